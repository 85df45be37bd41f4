module mailman.local/bench/smtpload

go 1.26
