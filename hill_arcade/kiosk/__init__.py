"""Kiosk mode core: idle/attract timing, admin chord, attract demo and trainer watchdog.

Pure logic (no drawing); the app wires these into the `hill-arcade kiosk` front end.
"""
