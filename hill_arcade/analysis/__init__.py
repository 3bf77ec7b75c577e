"""Headless analysis: scripted participants (`simulate`), their strategies and the noise band."""
