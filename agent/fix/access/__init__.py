"""Who may reach the OMS side: the logon gate in front of QuickFIX, credentials, raw FIX framing for the gate."""
