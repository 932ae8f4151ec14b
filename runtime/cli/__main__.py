from runtime.cli import app

app()
