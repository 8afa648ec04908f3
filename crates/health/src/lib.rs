//! Health engine: pure logic, no I/O (work in progress).
