"""The pygame front end (pygame-ce): trainees pick a scenario, read the briefing, prepare,
run the week on the operations floor, decide when the game asks, and see in the debrief
what their decisions did — beside a twin run with the same luck.

The game owns no simulation logic: `game.session.Play` advances a `sim.Simulation` each
frame and reads its `Snapshot` and event log; the screens (`game.screens`) draw. Looks are
in `theme.yaml`. `itsm play` starts it (`game.app.main`).
"""

import os as _os

# pygame prints a banner when imported; the command line has its own messages
_os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
