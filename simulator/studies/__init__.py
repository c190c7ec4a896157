"""Paired-run studies of who else trades: what informed and predatory traders cost a trader, with standard errors."""
