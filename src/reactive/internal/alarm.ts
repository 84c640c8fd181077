import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';

/** What an {@link Alarm} wakes when it rings. */
export interface Expiring {
  /** The alarm rang: handle what is due, then arm again for what is left. */
  expire(): void;
}

function ring(this: SchedulerAction<Expiring>, owner: Expiring | undefined): void {
  owner!.expire();
}

/**
 * One scheduler task armed at the earliest deadline asked for. A later deadline waits for it:
 * the owner, when woken, handles what is due and arms again for the rest, so requests that come
 * one after another arm no task each (a setInterval armed and cleared cost ~0.5 µs). The request
 * hub's one timer per socket and a run's timer of its own are both one.
 */
export class Alarm {
  private task: Subscription | undefined;
  /** When the armed task is due; `Infinity` when none is. */
  private at = Infinity;

  constructor(private readonly owner: Expiring) {}

  /** Rings no later than `deadline` (on `scheduler`, whose time is `now`). */
  arm(scheduler: SchedulerLike, deadline: number, now: number): void {
    if (deadline >= this.at) return;
    this.task?.unsubscribe();
    this.at = deadline;
    this.task = scheduler.schedule(ring, Math.max(0, deadline - now), this.owner);
  }

  /** The owner was woken: the task has run, nothing is armed. */
  rang(): void {
    this.task = undefined;
    this.at = Infinity;
  }

  /** Disarms: nothing left to wake for, and a task would keep the process alive. */
  cancel(): void {
    const task = this.task;
    this.rang();
    task?.unsubscribe();
  }
}
