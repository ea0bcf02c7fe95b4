UNIT_SRCS := $(sort $(wildcard regress/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:.c=)
regress/unit/test_%: regress/unit/test_%.c proto/libproto.a privsep/libprivsep.a
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(CMOCKA_CFLAGS) -o $@ $< proto/libproto.a privsep/libprivsep.a $(PKG_LIBS) $(CMOCKA_LIBS)
TEST_BUILD += $(UNIT_BINS)
TESTS_UNIT += $(UNIT_BINS)
CLEANFILES += $(UNIT_BINS)

# pptpctl against a stand-in for the daemon's control process
regress/unit/fake-ctl: regress/unit/fake-ctl.c privsep/libprivsep.a
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< privsep/libprivsep.a $(PKG_LIBS)
TEST_BUILD += regress/unit/fake-ctl pptpctl/pptpctl
TESTS_UNIT += regress/unit/t-pptpctl-cli.t
CLEANFILES += regress/unit/fake-ctl
