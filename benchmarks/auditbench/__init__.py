"""The audit benchmark behind `audit_bench.py`, one job per module:

- `settings`: paths, the image, the bench containers' names, labels and port specs, `BenchError`;
- `dockercli`: the `docker` CLI wrapper, listing and removing containers;
- `memory`: `free -m`, the daemons' RSS, the PSS and cgroup memory of this run's containers;
- `proxy`: the request-counting unix-socket proxy of the untimed pass;
- `fleet`: starting the bench containers (port mix, [::1] probe, retries) and removing them;
- `preflight`: the checks before anything starts (engine, image, memory, leftovers);
- `methods`: the measured methods (library, CLI, docker-bench 5.13, SDK loop, SSH rows);
- `measure`: the counting pass, the timed rounds and the result rows;
- `report`: everything printed (header, setup summary, table and notes, teardown, memory);
- `results`: the JSON results file.
"""
