/*
 * test_tandem_submit_route.c - the routing decision of IMessage::SubmitMessage (td_route_decide,
 * dll/tandem/store/submit.c) over every combination of its inputs: coupled transport logged on
 * or not, preprocessing needed or not, every address type handled or not, the submit state
 * (none, queued, being sent by the pair), the spooler's lock, and who calls (client or the
 * spooler after preprocessing). spi-digest §1.1-§1.3, issue 6 points 1 and 9.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "store/submit.h"

static const ULONG states[] = {TD_SUBMIT_NONE, TD_SUBMIT_QUEUED, TD_SUBMIT_COUPLED};

/* The rules as the documentation words them, one by one (the oracle). */
static td_route expected(const td_route_in *in)
{
    /* the spooler's second SubmitMessage: only for a message it holds locked in the queue;
     * the spooler keeps it */
    if (in->from_spooler) return in->state == TD_SUBMIT_QUEUED && in->locked ? TD_ROUTE_QUEUE : TD_ROUTE_REFUSE;
    /* a submitted message is never submitted again (MAPI_E_SUBMITTED) */
    if (in->state == TD_SUBMIT_QUEUED || in->state == TD_SUBMIT_COUPLED) return TD_ROUTE_REFUSE;
    /* sending-messages-by-using-mapi.md: the spooler gets the message if the store is not
     * coupled, the message needs preprocessing, or the pair cannot handle every recipient */
    if (in->needs_preprocessing) return TD_ROUTE_QUEUE_PREPROCESS;
    if (!in->coupled || !in->all_handled) return TD_ROUTE_QUEUE;
    return TD_ROUTE_COUPLED;
}

static void every_combination(void **state)
{
    ULONG n = 0, s;
    int coupled, pre, all, locked, spooler;

    (void)state;
    for (coupled = 0; coupled < 2; coupled++)
    for (pre = 0; pre < 2; pre++)
    for (all = 0; all < 2; all++)
    for (s = 0; s < ARRAYSIZE(states); s++)
    for (locked = 0; locked < 2; locked++)
    for (spooler = 0; spooler < 2; spooler++)
    {
        td_route_in in;
        td_route got;

        if (locked && states[s] == TD_SUBMIT_NONE) continue;     /* no lock without a queue row */
        memset(&in, 0, sizeof(in));
        in.coupled = coupled;
        in.needs_preprocessing = pre;
        in.all_handled = all;
        in.state = states[s];
        in.locked = locked;
        in.from_spooler = spooler;
        got = td_route_decide(&in);
        if (got != expected(&in))
            fail_msg("coupled %d pre %d all %d state %lu locked %d spooler %d: got %d, expected %d",
                     coupled, pre, all, (unsigned long)states[s], locked, spooler, (int)got, (int)expected(&in));
        /* a message the spooler holds (queued or locked) never takes the coupled path */
        if (states[s] != TD_SUBMIT_NONE) assert_int_not_equal(got, TD_ROUTE_COUPLED);
        /* the coupled path only when everything the docs ask for holds */
        if (got == TD_ROUTE_COUPLED) assert_true(coupled && all && !pre && !spooler && states[s] == TD_SUBMIT_NONE);
        n++;
    }
    assert_int_equal(n, 2 * 2 * 2 * (1 + 2 * 2) * 2);
}

/* fact 25: the decision has no folder among its inputs; the same state from the Inbox or the
 * Outbox gives the same route - and a second submit of the same message is refused wherever
 * it sits, so it is sent exactly once. */
static void folder_plays_no_part(void **state)
{
    td_route_in in;

    (void)state;
    memset(&in, 0, sizeof(in));
    in.coupled = TRUE;
    in.all_handled = TRUE;
    assert_int_equal(td_route_decide(&in), TD_ROUTE_COUPLED);
    in.state = TD_SUBMIT_COUPLED;
    assert_int_equal(td_route_decide(&in), TD_ROUTE_REFUSE);
    in.state = TD_SUBMIT_QUEUED;
    assert_int_equal(td_route_decide(&in), TD_ROUTE_REFUSE);
}

/* facts 21, 22, 24 */
static void documented_cases(void **state)
{
    td_route_in in;

    (void)state;
    memset(&in, 0, sizeof(in));
    assert_int_equal(td_route_decide(&in), TD_ROUTE_QUEUE);                 /* not coupled */
    in.needs_preprocessing = TRUE;
    assert_int_equal(td_route_decide(&in), TD_ROUTE_QUEUE_PREPROCESS);      /* fact 22 */
    in.coupled = in.all_handled = TRUE;
    assert_int_equal(td_route_decide(&in), TD_ROUTE_QUEUE_PREPROCESS);
    in.needs_preprocessing = FALSE;
    in.all_handled = FALSE;                                                 /* NEEDS_SPOOLER */
    assert_int_equal(td_route_decide(&in), TD_ROUTE_QUEUE);                 /* fact 24 */
    /* the spooler's SubmitMessage after preprocessing (fact 22, second half) */
    in.from_spooler = TRUE;
    in.state = TD_SUBMIT_QUEUED;
    in.locked = TRUE;
    in.all_handled = TRUE;
    assert_int_equal(td_route_decide(&in), TD_ROUTE_QUEUE);
    in.locked = FALSE;
    assert_int_equal(td_route_decide(&in), TD_ROUTE_REFUSE);
}

int main(void)
{
    const struct CMUnitTest tests[] =
    {
        cmocka_unit_test(every_combination),
        cmocka_unit_test(folder_plays_no_part),
        cmocka_unit_test(documented_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
