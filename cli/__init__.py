"""The composition root's commands: the headless CLI of cli.md and the TUI launcher."""
