"""CPython side of `threadkit bench`: the same workloads written with threading, queue and
concurrent.futures. Usage: bench.py WORKLOAD OPS ROUNDS. Prints one JSON object:
{"samples": [ns per op, one per round], "checksum": N}. The checksum is what the Rust
implementations return for the same OPS, so the harness can check the work was the same."""

import concurrent.futures
import json
import queue
import sys
import threading
import time

MASK = (1 << 64) - 1


def lock_uncontended(n):
    lock, c = threading.Lock(), 0
    for _ in range(n):
        with lock:
            c += 1
    return c


def lock_counter_2t(n):
    lock, box = threading.Lock(), [0]

    def work():
        for _ in range(n // 2):
            with lock:
                box[0] += 1

    ts = [threading.Thread(target=work) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return box[0]


def rlock(n):
    lock, c = threading.RLock(), 0
    for _ in range(n):
        with lock:
            c += 1
    return c


def semaphore(n):
    sem, c = threading.Semaphore(1), 0
    for _ in range(n):
        with sem:
            c += 1
    return c


def event_ping_pong(n):
    ping, pong = threading.Event(), threading.Event()

    def echo():
        for _ in range(n):
            ping.wait()
            ping.clear()
            pong.set()

    t = threading.Thread(target=echo)
    t.start()
    trips = 0
    for _ in range(n):
        ping.set()
        pong.wait()
        pong.clear()
        trips += 1
    t.join()
    return trips


def thread_spawn_join(n):
    total = 0
    for i in range(n):
        out = []
        t = threading.Thread(target=lambda i=i: out.append(i & 1))
        t.start()
        t.join()
        total += out[0]
    return total


def cpu_work(n):
    x = 88172645463325252
    for _ in range(n):
        x ^= (x << 13) & MASK
        x ^= x >> 7
        x ^= (x << 17) & MASK
    return x


def cpu_split(n, parts):
    out = [0] * parts

    def work(k):
        out[k] = cpu_work(n // parts)

    ts = [threading.Thread(target=work, args=(k,)) for k in range(parts)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return (sum(out) + parts) & MASK


def queue_transfer(n, producers, consumers, q):
    per_producer = n // producers
    total = per_producer * producers
    per_consumer = [total // consumers + (1 if k < total % consumers else 0) for k in range(consumers)]
    sums = [0] * consumers

    def produce(p):
        for i in range(per_producer):
            q.put(p * per_producer + i)

    def consume(k):
        s = 0
        for _ in range(per_consumer[k]):
            s += q.get()
        sums[k] = s

    ts = [threading.Thread(target=produce, args=(p,)) for p in range(producers)]
    ts += [threading.Thread(target=consume, args=(k,)) for k in range(consumers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(sums)


def priority_queue(n):
    return queue_transfer(n, 1, 1, queue.PriorityQueue(maxsize=1024))


def task_done_join(n):
    q = queue.Queue()

    def worker():
        for _ in range(n):
            q.get()
            q.task_done()

    t = threading.Thread(target=worker)
    t.start()
    for i in range(n):
        q.put(i)
    q.join()
    t.join()
    return n


def executor_batch(n):
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        futures = [ex.submit(lambda i=i: i & 1) for i in range(n)]
        return sum(f.result() for f in futures)


def executor_one(n):
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        return sum(ex.submit(lambda i=i: i & 1).result() for i in range(n))


WORKLOADS = {
    "lock-uncontended": lock_uncontended,
    "lock-counter-2t": lock_counter_2t,
    "rlock": rlock,
    "semaphore": semaphore,
    "event-ping-pong": event_ping_pong,
    "thread-spawn-join": thread_spawn_join,
    "cpu-1-thread": lambda n: cpu_split(n, 1),
    "cpu-2-threads": lambda n: cpu_split(n, 2),
    "queue-spsc": lambda n: queue_transfer(n, 1, 1, queue.Queue(maxsize=1024)),
    "queue-2p2c": lambda n: queue_transfer(n, 2, 2, queue.Queue(maxsize=1024)),
    "simple-queue-spsc": lambda n: queue_transfer(n, 1, 1, queue.SimpleQueue()),
    "priority-queue": priority_queue,
    "queue-task-done-join": task_done_join,
    "executor-batch": executor_batch,
    "executor-one-at-a-time": executor_one,
}


def main():
    name, ops, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    work = WORKLOADS[name]
    samples, checksum = [], None
    for _ in range(rounds):
        start = time.perf_counter_ns()
        checksum = work(ops)
        samples.append((time.perf_counter_ns() - start) / ops)
    print(json.dumps({"samples": samples, "checksum": checksum}))


if __name__ == "__main__":
    main()
