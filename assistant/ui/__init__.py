"""The Gradio chat page: nothing in the package imports it; app.py and `assistant ui` serve it."""
