// Test-assembly settings: the CLI runs are whole training processes on two cores; one at a time keeps their timing sane.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
