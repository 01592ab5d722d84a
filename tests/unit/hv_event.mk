# Host unit tests of issue 6's pure hypervisor parts (helper H8): the 2-level event bitmaps,
# the event-channel port table and EVTCHNOP answers, the TSC scale / time-info protocol /
# calendar, and the timer queues.
$(eval $(call unit_test,hv_event_2l,tests/unit/test_hv_event_2l.c hv/core/event_2l.c))
$(eval $(call unit_test,hv_evtchn,tests/unit/test_hv_evtchn.c tests/unit/guest_window.c hv/core/event_channel.c hv/core/event_2l.c hv/core/uaccess.c))
$(eval $(call unit_test,hv_time,tests/unit/test_hv_time.c hv/core/time_scale.c hv/core/timer.c))
$(eval $(call unit_test,hv_sched,tests/unit/test_hv_sched.c tests/unit/guest_window.c hv/core/sched.c hv/core/vcpu_op.c hv/core/timer.c hv/core/event_channel.c hv/core/event_2l.c hv/core/uaccess.c))
