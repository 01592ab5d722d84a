/* bench-true: the smallest program bench's fork_execve runs (what lmbench's lat_proc exec
 * runs: a static "hello" that does nothing), so the measure is the kernel's fork+exec path
 * and not a large program's startup. */
int main(void)
{
    return 0;
}
