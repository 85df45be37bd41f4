module mailman.local/bench/streamload

go 1.26
