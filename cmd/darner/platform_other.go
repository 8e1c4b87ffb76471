//go:build !linux

package main

// darner is Linux-only: it is built on io_uring, epoll, sched_setaffinity
// and sysfs. This constant is undefined on purpose so that a non-Linux build
// fails here with its name as the message.
var _ = darner_requires_linux_io_uring_epoll_and_sysfs
