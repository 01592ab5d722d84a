/* Native wall clock: the MC146818 CMOS RTC (ports 0x70/0x71 through the cpu pv-ops). Reads are
 * repeated until two consecutive reads agree so an update in the middle cannot tear the time. */
#include <stdint.h>
#include "pv/pvops.h"
#include "boot.h"

static uint8_t cmos(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static unsigned bcd(uint8_t v, int binary) { return binary ? v : (v & 0xf) + (v >> 4) * 10; }

uint32_t rtc_get_wallclock(void)
{
    uint8_t r[6] = { 0 }, prev[6];
    int tries = 0;
    do {
        for (unsigned i = 0; i < 6; i++)
            prev[i] = r[i];
        while ((cmos(0x0A) & 0x80) && tries < 100000) /* update in progress */
            tries++;
        r[0] = cmos(0x00); r[1] = cmos(0x02); r[2] = cmos(0x04);
        r[3] = cmos(0x07); r[4] = cmos(0x08); r[5] = cmos(0x09);
        tries++;
    } while (tries < 100000 && (tries == 1 || prev[0] != r[0] || prev[1] != r[1] || prev[2] != r[2] ||
                               prev[3] != r[3] || prev[4] != r[4] || prev[5] != r[5]));
    uint8_t b = cmos(0x0B);
    int binary = b & 0x04, h24 = b & 0x02;
    unsigned hour = bcd(r[2] & 0x7f, binary);
    if (!h24 && (r[2] & 0x80))
        hour = (hour % 12) + 12;
    return rtc_mktime(2000 + bcd(r[5], binary), bcd(r[4], binary), bcd(r[3], binary), hour,
                      bcd(r[1], binary), bcd(r[0], binary));
}
