# regress/bench: what `make bench` (in GNUmakefile) builds for
# regress/bench/bench (see regress/bench/README). Not a test: nothing here
# is in TESTS.

BENCH_BIN := regress/bench/greperf
$(BENCH_BIN): regress/bench/greperf.o
	$(CC) $(LDFLAGS) -o $@ regress/bench/greperf.o $(PKG_LIBS)
CLEANFILES += $(BENCH_BIN) regress/bench/greperf.o regress/bench/greperf.d

# ptyperf: the pty's own ceiling, no client (regress/bench/README)
PTYPERF_BIN := regress/bench/ptyperf
$(PTYPERF_BIN): regress/bench/ptyperf.o regress/host/fakepppd/fcs16.o \
    regress/host/fakepppd/frame.o
	$(CC) $(LDFLAGS) -o $@ regress/bench/ptyperf.o \
	    regress/host/fakepppd/fcs16.o regress/host/fakepppd/frame.o $(PKG_LIBS)
CLEANFILES += $(PTYPERF_BIN) regress/bench/ptyperf.o regress/bench/ptyperf.d
