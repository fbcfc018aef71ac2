/* SPDX-License-Identifier: BSD-3-Clause */
/* Wire types, byte order, barrier helpers and error strings. These run on
 * the big-endian s390x build too, so each test pins bytes in memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vob/vob.h"

static void test_le_fields_are_little_endian_in_memory(void **state)
{
	vob_le16_t a = vob_to_le16(0x1234);
	vob_le32_t b = vob_to_le32(0x89abcdefu);
	vob_le64_t c = vob_to_le64(0x0102030405060708ull);
	const uint8_t *pa = (const uint8_t *)&a, *pb = (const uint8_t *)&b, *pc = (const uint8_t *)&c;

	(void)state;
	assert_int_equal(pa[0], 0x34);
	assert_int_equal(pa[1], 0x12);
	assert_int_equal(pb[0], 0xef);
	assert_int_equal(pb[3], 0x89);
	assert_int_equal(pc[0], 0x08);
	assert_int_equal(pc[7], 0x01);
	assert_int_equal(vob_le16(a), 0x1234);
	assert_int_equal(vob_le32(b), 0x89abcdefu);
	assert_true(vob_le64(c) == 0x0102030405060708ull);
}

static void test_load_store_full_width(void **state)
{
	union {
		vob_le16_t f16;
		vob_le32_t f32;
		uint8_t b[4];
	} u;

	(void)state;
	vob_store_le16(&u.f16, 0x00ff);
	assert_int_equal(u.b[0], 0xff);
	assert_int_equal(u.b[1], 0x00);
	assert_int_equal(vob_load_le16(&u.f16), 0x00ff);
	vob_store_release_le16(&u.f16, 0x0100);
	assert_int_equal(u.b[0], 0x00);
	assert_int_equal(u.b[1], 0x01);
	assert_int_equal(vob_load_acquire_le16(&u.f16), 0x0100);
	vob_store_le32(&u.f32, 0x11223344u);
	assert_int_equal(u.b[0], 0x44);
	assert_int_equal(u.b[3], 0x11);
	assert_int_equal(vob_load_le32(&u.f32), 0x11223344u);
	vob_store_release_le32(&u.f32, 0xa0b0c0d0u);
	assert_int_equal(vob_load_acquire_le32(&u.f32), 0xa0b0c0d0u);
}

static void test_unaligned_get_put(void **state)
{
	uint8_t buf[16];
	unsigned off;

	(void)state;
	for (off = 0; off < 8; off++) {
		memset(buf, 0, sizeof(buf));
		vob_put_le16(buf + off, 0xbeef);
		assert_int_equal(buf[off], 0xef);
		assert_int_equal(buf[off + 1], 0xbe);
		assert_int_equal(vob_get_le16(buf + off), 0xbeef);
		vob_put_le32(buf + off, 0xdeadbeefu);
		assert_int_equal(buf[off], 0xef);
		assert_int_equal(buf[off + 3], 0xde);
		assert_int_equal(vob_get_le32(buf + off), 0xdeadbeefu);
		vob_put_le64(buf + off, 0x8877665544332211ull);
		assert_int_equal(buf[off], 0x11);
		assert_int_equal(buf[off + 7], 0x88);
		assert_true(vob_get_le64(buf + off) == 0x8877665544332211ull);
	}
}

static void test_strerror(void **state)
{
	static const int codes[] = { VOB_OK, VOB_EPERM, VOB_ENOENT, VOB_EIO, VOB_E2BIG,
				     VOB_EAGAIN, VOB_ENOMEM, VOB_EFAULT, VOB_EBUSY, VOB_EEXIST,
				     VOB_ENODEV, VOB_EINVAL, VOB_ENOSPC, VOB_ERANGE, VOB_ENOSYS,
				     VOB_ELOOP, VOB_ENODATA, VOB_ETIME, VOB_EPROTO, VOB_EBADMSG,
				     VOB_EOVERFLOW, VOB_EMSGSIZE, VOB_EPROTONOSUPPORT,
				     VOB_ENOTSUP, VOB_ECONNRESET, VOB_ETIMEDOUT, VOB_ECANCELED };
	size_t i, j;

	(void)state;
	/* Linux numbering, as documented. */
	assert_int_equal(VOB_EINVAL, -22);
	assert_int_equal(VOB_EPROTO, -71);
	assert_int_equal(VOB_ETIMEDOUT, -110);
	if (!VOB_CFG_STRINGS) {
		/* A footprint build without the texts: two words only. */
		assert_string_equal(vob_strerror(VOB_OK), "success");
		for (i = 1; i < sizeof(codes) / sizeof(codes[0]); i++)
			assert_string_equal(vob_strerror(codes[i]), "error");
		return;
	}
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *s = vob_strerror(codes[i]);

		assert_non_null(s);
		assert_string_not_equal(s, "unknown error");
		for (j = 0; j < i; j++)
			assert_string_not_equal(s, vob_strerror(codes[j]));
	}
	assert_string_equal(vob_strerror(-9999), "unknown error");
	assert_string_equal(vob_strerror(1), "unknown error");
}

static void test_versions(void **state)
{
	(void)state;
	assert_int_equal(VOB_VERSION, VOB_VERSION_MAJOR * 10000 + VOB_VERSION_MINOR * 100 +
					      VOB_VERSION_PATCH);
	assert_true(VOB_PROTOCOL_VERSION >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_le_fields_are_little_endian_in_memory),
		cmocka_unit_test(test_load_store_full_width),
		cmocka_unit_test(test_unaligned_get_put),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_versions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
