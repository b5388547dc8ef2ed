"""The login form: a plain HTML page in the studio's colours, posting to /auth/login.

It needs no JavaScript, so it works before any Streamlit session exists, and every
value put into it is escaped.
"""

from __future__ import annotations

from html import escape

STYLE = """
body { margin: 0; background: #0e1117; color: #fafafa;
  font-family: "Source Sans", "Source Sans Pro", system-ui, sans-serif; }
main { max-width: 26rem; margin: 12vh auto; padding: 0 1.5rem; }
h1 { font-size: 2.75rem; font-weight: 700; margin: 0 0 .25rem; }
p.caption { color: rgba(250, 250, 250, .6); margin: 0 0 2rem; }
form { border: 1px solid rgba(250, 250, 250, .2); border-radius: .5rem; padding: 1.5rem; }
h2 { font-size: 1.5rem; margin: 0 0 1rem; }
label { display: block; font-size: .875rem; margin: .75rem 0 .25rem; }
input { box-sizing: border-box; width: 100%; padding: .5rem .75rem; font-size: 1rem;
  color: #fafafa; background: #262730; border: 1px solid transparent; border-radius: .5rem; }
input:focus { outline: none; border-color: #ff6f61; }
button { margin-top: 1.25rem; padding: .4rem .9rem; font-size: 1rem; color: #fafafa;
  background: transparent; border: 1px solid rgba(250, 250, 250, .2); border-radius: .5rem;
  cursor: pointer; }
button:hover { border-color: #ff6f61; color: #ff6f61; }
.error { margin-top: 1rem; padding: .75rem 1rem; border-radius: .5rem;
  background: rgba(255, 43, 43, .09); color: #ffabab; }
"""


def login_page(next_path: str, message: str | None = None, username: str = "") -> str:
    error = f'<div class="error" role="alert">{escape(message)}</div>' if message else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · Studio</title>
<link rel="icon" href="/auth/icon.svg" type="image/svg+xml">
<style>{STYLE}</style>
</head>
<body>
<main>
<h1>Studio</h1>
<p class="caption">Text to video, music, and videos scored with that music.</p>
<form method="post" action="/auth/login">
<h2>Log in</h2>
<input type="hidden" name="next" value="{escape(next_path)}">
<label for="username">Login name</label>
<input id="username" name="username" value="{escape(username)}" autocomplete="username"
 autocapitalize="none" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
{error}
</form>
</main>
</body>
</html>
"""
