"""Task functions of Social Pulse: plain functions of data in and data out.

Flows in `flows/` wire them together and decide where data is read and written.
"""
