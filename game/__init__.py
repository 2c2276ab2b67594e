"""The pygame front end (issue 5). Until it exists, `itsm play` runs the headless demo."""
