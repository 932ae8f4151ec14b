from runtime.cli.app import app

app()
