from hrd_cases import create_app

app = create_app()
