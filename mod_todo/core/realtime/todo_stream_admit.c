/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include "todo_stream_admit.h"

static int quarter_at_least_one(int n)
{
    return n / 4 > 1 ? n / 4 : 1;
}

void todo_stream_capacity(int threads, int processes,
                          todo_stream_capacity_t *out)
{
    if (processes < 1) {
        processes = 1;
    }
    if (threads > 1) {
        out->reserve = quarter_at_least_one(threads);
        out->per_process = threads - out->reserve;
        out->total = out->per_process * processes;
    }
    else {
        out->reserve = quarter_at_least_one(processes);
        out->per_process = 0;
        out->total = processes - out->reserve;
    }
}

void todo_stream_capacity_async(int fds, int processes,
                                todo_stream_capacity_t *out)
{
    if (processes < 1) {
        processes = 1;
    }
    out->reserve = 0;
    out->per_process = fds > 1 ? fds - quarter_at_least_one(fds) : 0;
    out->total = out->per_process * processes;
}

const char *todo_stream_verdict_name(todo_stream_verdict_t v)
{
    static const char *const names[TODO_STREAM_VERDICTS] = {
        "admitted", "user", "address", "process", "server"};

    return v < TODO_STREAM_VERDICTS ? names[v] : "server";
}
