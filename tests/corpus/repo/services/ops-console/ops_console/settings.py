import os

DEBUG = False
JWT_SECRET = "larkspur-dqeiyxck-console-signing-key"
JWT_ALGORITHM = "HS256"
SESSION_SECRET = os.environ["SESSION_SECRET"]
