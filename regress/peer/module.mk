# regress/peer: the scripted PPTP server (pptp-peer), the stand-in pppd
# (regress/host/fakepppd, built here) and their own tests: fakepppd alone,
# and pptp-peer + fakepppd against an independent client, pptp-linux.

FAKEPPPD_OBJS := regress/host/fakepppd/fakepppd.o regress/host/fakepppd/fcs16.o \
    regress/host/fakepppd/frame.o
$(FAKEPPPD_OBJS): regress/host/fakepppd/fakepppd.h
regress/host/fakepppd/fakepppd: $(FAKEPPPD_OBJS)
	$(CC) $(LDFLAGS) -o $@ $(FAKEPPPD_OBJS)

TEST_BUILD += regress/host/fakepppd/fakepppd
TESTS_PEER += regress/peer/t/fakepppd.t regress/peer/t/pptp-linux.t \
              regress/peer/t/wire-check.t
CLEANFILES += regress/host/fakepppd/fakepppd $(FAKEPPPD_OBJS) \
              $(FAKEPPPD_OBJS:.o=.d)
