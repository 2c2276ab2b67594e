"""The game's screens: title, picker, briefing, preparation, floor, debrief, history."""
