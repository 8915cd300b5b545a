"""The kiosk's Textual screens. Importing them keeps Chinese characters whole in notifications
that overlap widget edges (screens/wide_cuts.py, Textual issue #6357)."""

from screens.wide_cuts import apply as _keep_wide_characters_whole

_keep_wide_characters_whole()
