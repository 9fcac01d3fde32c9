"""What the reports say and how they look: metrics (numbers and ranked issues shared by
the daily board and the weekly summary) and rendering (templates and escaping)."""
