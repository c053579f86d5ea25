"""Register and log in N users for wrk's Lua scripts: DIR/tokens.lua
holds `tokens = {"<access token>", ...}` (compare.sh's task_create_users
scenario picks one per request, so the writes are many users' rather
than one's).

    users.py BASE N DIR
"""

import json
import sys
import urllib.parse
import urllib.request

base, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
tokens = []
for i in range(n):
    name = "bench%03d" % i
    body = json.dumps({"email": name + "@example.com", "username": name,
                       "password": "benchmark1"}).encode()
    urllib.request.urlopen(urllib.request.Request(
        base + "/auth/register", data=body,
        headers={"Content-Type": "application/json"}))
    form = urllib.parse.urlencode({"username": name,
                                   "password": "benchmark1"}).encode()
    tokens.append(json.load(urllib.request.urlopen(urllib.request.Request(
        base + "/auth/login", data=form)))["access_token"])
with open(out + "/tokens.lua", "w") as f:
    f.write("tokens = {%s}\n" % ", ".join('"%s"' % t for t in tokens))
