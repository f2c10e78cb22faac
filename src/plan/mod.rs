//! `rollsafe plan`: the rollback runbook. Per migration, in apply order: its phase and rollout
//! step, the locks its statements take, how to roll it back (one strategy, with the SQL in
//! order) and validation queries that prove the rollback worked.

pub mod inverse;
