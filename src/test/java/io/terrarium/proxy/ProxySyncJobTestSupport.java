package io.terrarium.proxy;

import io.terrarium.jobs.JobResult;

import java.util.List;

final class ProxySyncJobTestSupport {
    private ProxySyncJobTestSupport() {
    }

    @SuppressWarnings("unchecked")
    static List<String> errors(JobResult r) {
        return (List<String>) r.details().get("errors");
    }
}
