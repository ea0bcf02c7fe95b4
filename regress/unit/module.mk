UNIT_SRCS := $(sort $(wildcard regress/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:.c=)
# Both privsep archives: test_pppd_args tests the parent's pppd.c.
regress/unit/test_%: regress/unit/test_%.c proto/libproto.a $(PRIV_LIBS)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(CMOCKA_CFLAGS) -o $@ $< proto/libproto.a $(PRIV_LIBS) $(PKG_LIBS) $(CMOCKA_LIBS)
# the tunnel's state machine, linked alone with stand-ins for its actions
regress/unit/test_fsm: regress/unit/test_fsm.c pptpd-client/parent_fsm.o privsep/libprivsep.a
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(CMOCKA_CFLAGS) -o $@ $< pptpd-client/parent_fsm.o privsep/libprivsep.a $(PKG_LIBS) $(CMOCKA_LIBS)
# the drop-in pptp's command line, linked alone
regress/unit/test_dropin_args: regress/unit/test_dropin_args.c pptpd-client/dropin_args.o
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(CMOCKA_CFLAGS) -o $@ $< pptpd-client/dropin_args.o $(PKG_LIBS) $(CMOCKA_LIBS)
TEST_BUILD += $(UNIT_BINS)
TESTS_UNIT += $(UNIT_BINS)
CLEANFILES += $(UNIT_BINS)

# pptpctl against a stand-in for the daemon's control process
regress/unit/fake-ctl: regress/unit/fake-ctl.c privsep/libprivsep.a
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< privsep/libprivsep.a $(PKG_LIBS)
TEST_BUILD += regress/unit/fake-ctl pptpctl/pptpctl
TESTS_UNIT += regress/unit/t-pptpctl-cli.t regress/unit/t-pptpctl-escape.t \
    regress/unit/t-man-lint.t
# the drop-in pptp's command line, as a program; and a drop-in whose
# engine, built with PC_TEST_FORGE, sends its parent what it must refuse
# when told to (a tunnel, i.e. --logstring, named forge-WHAT). Never installed.
DROPIN_FORGE := regress/unit/pptp-dropin-forge
regress/unit/engine-forge.o: pptpd-client/engine.c
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -DPC_TEST_FORGE -c -o $@ $<
$(DROPIN_FORGE): $(filter-out pptpd-client/engine.o,$(DROPIN_OBJS)) regress/unit/engine-forge.o proto/libproto.a $(PRIV_LIBS)
	$(CC) $(LDFLAGS) -o $@ $(filter-out pptpd-client/engine.o,$(DROPIN_OBJS)) regress/unit/engine-forge.o proto/libproto.a $(PRIV_LIBS) $(PKG_LIBS)
CLEANFILES += $(DROPIN_FORGE) regress/unit/engine-forge.o regress/unit/engine-forge.d
TEST_BUILD += $(DROPIN_FORGE)
TEST_BUILD += pptpd-client/pptp-pptpd-client
TESTS_UNIT += regress/unit/t-pptp-dropin-cli.t
CLEANFILES += regress/unit/fake-ctl
