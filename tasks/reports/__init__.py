"""What the reports say and how they look: the weekly summary (weekly.py), the daily
issue board (daily.py), the numbers both share (metrics.py) and rendering (render.py:
templates and escaping)."""
