"""Make 1,000 tasks for the benchmark user and write their ids for wrk's
Lua scripts (DIR/ids.lua) and the first one (DIR/first_id):

    seed.py BASE TOKEN DIR          10 bulk requests (mod_todo's /tasks/bulk)
    seed.py BASE TOKEN DIR single   1,000 POST /tasks on one keep-alive
                                    connection (the peer has no bulk route)
"""

import http.client
import json
import sys
import urllib.parse
import urllib.request

base, token, out = sys.argv[1:4]
single = sys.argv[4:] == ["single"]
headers = {"Authorization": "Bearer " + token,
           "Content-Type": "application/json"}


def task(n):
    return {"title": "bench task %d" % n,
            "priority": ["low", "medium", "high"][n % 3]}


ids = []
if single:
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port)
    for n in range(1000):
        conn.request("POST", url.path + "/tasks", json.dumps(task(n)), headers)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 201:
            sys.exit("seed.py: POST /tasks: %d %s" % (resp.status, body))
        ids.append(json.loads(body)["id"])
else:
    for chunk in range(10):
        body = json.dumps({"tasks": [task(chunk * 100 + i)
                                     for i in range(100)]}).encode()
        req = urllib.request.Request(base + "/tasks/bulk", data=body,
                                     headers=headers)
        ids += [t["id"] for t in json.load(urllib.request.urlopen(req))["tasks"]]
with open(out + "/ids.lua", "w") as f:
    f.write("ids = {%s}\n" % ", ".join('"%s"' % i for i in ids))
with open(out + "/first_id", "w") as f:
    f.write(ids[0])
