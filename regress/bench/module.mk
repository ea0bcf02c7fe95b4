# regress/bench: what `make bench` (in GNUmakefile) builds for
# regress/bench/bench (see regress/bench/README). Not a test: nothing here
# is in TESTS.

BENCH_BIN := regress/bench/greperf
$(BENCH_BIN): regress/bench/greperf.o
	$(CC) $(LDFLAGS) -o $@ regress/bench/greperf.o $(PKG_LIBS)
CLEANFILES += $(BENCH_BIN) regress/bench/greperf.o regress/bench/greperf.d
