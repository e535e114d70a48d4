CREATE TABLE `artifacts` (
	`run_id` text NOT NULL,
	`kind` text NOT NULL,
	`path` text NOT NULL,
	`sha256` text,
	`bytes` integer,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`run_id`, `path`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `evaluations` (
	`run_id` text NOT NULL,
	`step` integer NOT NULL,
	`task` text NOT NULL,
	`metric` text NOT NULL,
	`value` real,
	`non_finite` text,
	`stderr` real,
	`n` integer,
	`extra_json` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`run_id`, `step`, `task`, `metric`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "evaluations_value_check" CHECK((value IS NULL AND non_finite IN ('NaN', 'Infinity', '-Infinity')) OR (value IS NOT NULL AND non_finite IS NULL))
);
--> statement-breakpoint
CREATE TABLE `experiments` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `experiments_name_unique` ON `experiments` (`name`);--> statement-breakpoint
CREATE TABLE `latest_metrics` (
	`run_id` text NOT NULL,
	`key` text NOT NULL,
	`step` integer NOT NULL,
	`value` real,
	`non_finite` text,
	`wall_time_ms` integer NOT NULL,
	PRIMARY KEY(`run_id`, `key`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "latest_metrics_value_check" CHECK((value IS NULL AND non_finite IN ('NaN', 'Infinity', '-Infinity')) OR (value IS NOT NULL AND non_finite IS NULL))
);
--> statement-breakpoint
CREATE INDEX `latest_metrics_key_value_idx` ON `latest_metrics` (`key`,`value`);--> statement-breakpoint
CREATE TABLE `metrics` (
	`run_id` text NOT NULL,
	`key` text NOT NULL,
	`step` integer NOT NULL,
	`value` real,
	`non_finite` text,
	`wall_time_ms` integer NOT NULL,
	PRIMARY KEY(`run_id`, `key`, `step`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "metrics_value_check" CHECK((value IS NULL AND non_finite IN ('NaN', 'Infinity', '-Infinity')) OR (value IS NOT NULL AND non_finite IS NULL))
);
--> statement-breakpoint
CREATE TABLE `notes` (
	`id` text PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`text` text NOT NULL,
	`author` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `notes_run_idx` ON `notes` (`run_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `params` (
	`run_id` text NOT NULL,
	`key` text NOT NULL,
	`value_number` real,
	`value_text` text NOT NULL,
	PRIMARY KEY(`run_id`, `key`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `params_key_number_idx` ON `params` (`key`,`value_number`);--> statement-breakpoint
CREATE TABLE `runs` (
	`id` text PRIMARY KEY NOT NULL,
	`experiment_id` text,
	`sweep_id` text,
	`queue_position` integer DEFAULT 0 NOT NULL,
	`name` text NOT NULL,
	`variant` text,
	`status` text NOT NULL,
	`config_json` text NOT NULL,
	`config_hash` text NOT NULL,
	`seed` integer,
	`git_commit` text,
	`git_dirty` integer,
	`backend` text,
	`host` text,
	`worker` text,
	`package_versions_json` text,
	`artifact_root` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`ended_at` integer,
	`heartbeat_at` integer,
	`last_step` integer,
	`total_steps` integer,
	`resume_count` integer DEFAULT 0 NOT NULL,
	`failure_reason` text,
	FOREIGN KEY (`experiment_id`) REFERENCES `experiments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`sweep_id`) REFERENCES `sweeps`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "runs_status_check" CHECK(status IN ('PENDING', 'RUNNING', 'FINISHED', 'FAILED', 'CRASHED', 'KILLED'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `runs_sweep_config_seed_unique` ON `runs` (`sweep_id`,`config_hash`,`seed`);--> statement-breakpoint
CREATE INDEX `runs_queue_idx` ON `runs` (`status`,`sweep_id`,`queue_position`,`created_at`);--> statement-breakpoint
CREATE INDEX `runs_status_heartbeat_idx` ON `runs` (`status`,`heartbeat_at`);--> statement-breakpoint
CREATE INDEX `runs_config_hash_idx` ON `runs` (`config_hash`);--> statement-breakpoint
CREATE INDEX `runs_experiment_idx` ON `runs` (`experiment_id`);--> statement-breakpoint
CREATE INDEX `runs_created_at_idx` ON `runs` (`created_at`);--> statement-breakpoint
CREATE TABLE `sweeps` (
	`id` text PRIMARY KEY NOT NULL,
	`experiment_id` text,
	`name` text NOT NULL,
	`method` text NOT NULL,
	`space_json` text NOT NULL,
	`status` text DEFAULT 'ACTIVE' NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`experiment_id`) REFERENCES `experiments`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "sweeps_method_check" CHECK(method IN ('grid', 'random')),
	CONSTRAINT "sweeps_status_check" CHECK(status IN ('ACTIVE', 'FINISHED', 'CANCELLED'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sweeps_name_unique` ON `sweeps` (`name`);--> statement-breakpoint
CREATE TABLE `tags` (
	`run_id` text NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	PRIMARY KEY(`run_id`, `key`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `tags_key_value_idx` ON `tags` (`key`,`value`);