# Config grammar: golden files run against confcheck (parse.y, config.c and
# config_print.c alone) and against the daemon's `-n`; unit tests of the values.
regress/config/confcheck: regress/config/confcheck.o pptpd-client/parse.o \
    pptpd-client/config.o pptpd-client/config_value.o \
    pptpd-client/config_print.o
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

TEST_BUILD += regress/config/confcheck
TESTS_CONFIG += regress/config/run-golden
CLEANFILES += regress/config/confcheck

regress/config/test_config.o: CFLAGS += $(CMOCKA_CFLAGS)
regress/config/test_config: regress/config/test_config.o pptpd-client/parse.o \
    pptpd-client/config.o pptpd-client/config_value.o
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS)

TEST_BUILD += regress/config/test_config
TESTS_CONFIG += regress/config/test_config
CLEANFILES += regress/config/test_config
