// Test-assembly settings: tests run one at a time because the live-tensor counter and the thread settings are process-wide.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
