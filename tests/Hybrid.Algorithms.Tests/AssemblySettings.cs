// Test-assembly settings: tests run one at a time because libtorch's live-tensor counter and thread settings are process-wide.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
