"""The exchange simulator: order books and matching, background order flow, clocks, and a FIX 4.4 venue front.

The pure core (`order_book`, `market`, `poisson_flow`, `clock`) has no I/O; `fix_venue.VenueServer` puts QuickFIX
in front of it. Nothing here imports the agent, strategies or risk.
"""
