"""Make 1,000 tasks for the benchmark user (10 bulk requests) and write
their ids for wrk's Lua scripts: seed.py BASE TOKEN DIR."""

import json
import sys
import urllib.request

base, token, out = sys.argv[1:4]
ids = []
for chunk in range(10):
    body = json.dumps({"tasks": [
        {"title": "bench task %d" % (chunk * 100 + i),
         "priority": ["low", "medium", "high"][i % 3]}
        for i in range(100)]}).encode()
    req = urllib.request.Request(base + "/tasks/bulk", data=body, headers={
        "Authorization": "Bearer " + token,
        "Content-Type": "application/json"})
    ids += [t["id"] for t in json.load(urllib.request.urlopen(req))["tasks"]]
with open(out + "/ids.lua", "w") as f:
    f.write("ids = {%s}\n" % ", ".join('"%s"' % i for i in ids))
with open(out + "/first_id", "w") as f:
    f.write(ids[0])
