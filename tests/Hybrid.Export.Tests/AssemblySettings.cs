// Test-run settings of this assembly: classes run one at a time (they seed libtorch's global generator and share 2 cores).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
