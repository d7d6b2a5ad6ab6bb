"""The benchmark: ack latency against a bare Bolt app, and storage at scale.

``python -m bench.run --help`` says how to run it; the README's Benchmark section says
what it measures and the targets.
"""
