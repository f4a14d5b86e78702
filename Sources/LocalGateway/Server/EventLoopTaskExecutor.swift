import NIOCore
import NIOPosix

/// A task executor that runs every job on one NIO event loop: the gateway's request tasks, run here, share the
/// thread that reads and writes their sockets.
///
/// A request crosses threads four times otherwise: its head is read on the event loop and handed to a task in
/// Swift's global pool, its event is written to a worker from the loop, the worker's answer resumes the task in the
/// pool, and its response goes back to the loop. Each crossing wakes a sleeping thread (a futex or the loop's
/// `eventfd`), and those wake-ups cost the gateway more CPU than its own work; on the loop's thread each is an
/// append to its queue of tasks.
///
/// What runs here must not block: a job holds up every socket of the loop while it runs.
final class EventLoopTaskExecutor: TaskExecutor {
    /// The loop the jobs run on.
    let loop: any EventLoop

    /// Runs jobs on `loop`.
    init(_ loop: any EventLoop) {
        self.loop = loop
    }

    /// The gateway's one thread: it serves the clients' connections and the workers' Runtime API endpoints, and runs
    /// the request tasks, so that a warm request never leaves it. One loop is as much as the gateway needs: its work
    /// per request is a small part of the function's.
    static let gateway = EventLoopTaskExecutor(MultiThreadedEventLoopGroup.singleton.next())

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
