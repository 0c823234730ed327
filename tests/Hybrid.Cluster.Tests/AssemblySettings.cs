// Test-assembly settings: cluster tests start several processes on two cores; one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
