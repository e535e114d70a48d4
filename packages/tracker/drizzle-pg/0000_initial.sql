CREATE TABLE "artifacts" (
	"run_id" text COLLATE "C" NOT NULL,
	"kind" text COLLATE "C" NOT NULL,
	"path" text COLLATE "C" NOT NULL,
	"sha256" text COLLATE "C",
	"bytes" bigint,
	"created_at" bigint NOT NULL,
	CONSTRAINT "artifacts_run_id_path_pk" PRIMARY KEY("run_id","path")
);
--> statement-breakpoint
CREATE TABLE "evaluations" (
	"run_id" text COLLATE "C" NOT NULL,
	"step" bigint NOT NULL,
	"task" text COLLATE "C" NOT NULL,
	"metric" text COLLATE "C" NOT NULL,
	"value" double precision,
	"non_finite" text COLLATE "C",
	"stderr" double precision,
	"n" bigint,
	"extra_json" text COLLATE "C",
	"created_at" bigint NOT NULL,
	CONSTRAINT "evaluations_run_id_step_task_metric_pk" PRIMARY KEY("run_id","step","task","metric"),
	CONSTRAINT "evaluations_value_check" CHECK ((value IS NULL AND non_finite IN ('NaN', 'Infinity', '-Infinity')) OR (value IS NOT NULL AND non_finite IS NULL))
);
--> statement-breakpoint
CREATE TABLE "experiments" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"name" text COLLATE "C" NOT NULL,
	"description" text COLLATE "C",
	"created_at" bigint NOT NULL,
	CONSTRAINT "experiments_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "latest_metrics" (
	"run_id" text COLLATE "C" NOT NULL,
	"key" text COLLATE "C" NOT NULL,
	"step" bigint NOT NULL,
	"value" double precision,
	"non_finite" text COLLATE "C",
	"wall_time_ms" bigint NOT NULL,
	CONSTRAINT "latest_metrics_run_id_key_pk" PRIMARY KEY("run_id","key"),
	CONSTRAINT "latest_metrics_value_check" CHECK ((value IS NULL AND non_finite IN ('NaN', 'Infinity', '-Infinity')) OR (value IS NOT NULL AND non_finite IS NULL))
);
--> statement-breakpoint
CREATE TABLE "metrics" (
	"run_id" text COLLATE "C" NOT NULL,
	"key" text COLLATE "C" NOT NULL,
	"step" bigint NOT NULL,
	"value" double precision,
	"non_finite" text COLLATE "C",
	"wall_time_ms" bigint NOT NULL,
	CONSTRAINT "metrics_run_id_key_step_pk" PRIMARY KEY("run_id","key","step"),
	CONSTRAINT "metrics_value_check" CHECK ((value IS NULL AND non_finite IN ('NaN', 'Infinity', '-Infinity')) OR (value IS NOT NULL AND non_finite IS NULL))
);
--> statement-breakpoint
CREATE TABLE "notes" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"run_id" text COLLATE "C" NOT NULL,
	"text" text COLLATE "C" NOT NULL,
	"author" text COLLATE "C",
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "params" (
	"run_id" text COLLATE "C" NOT NULL,
	"key" text COLLATE "C" NOT NULL,
	"value_number" double precision,
	"value_text" text COLLATE "C" NOT NULL,
	CONSTRAINT "params_run_id_key_pk" PRIMARY KEY("run_id","key")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"experiment_id" text COLLATE "C",
	"sweep_id" text COLLATE "C",
	"queue_position" integer DEFAULT 0 NOT NULL,
	"name" text COLLATE "C" NOT NULL,
	"variant" text COLLATE "C",
	"status" text COLLATE "C" NOT NULL,
	"config_json" text COLLATE "C" NOT NULL,
	"config_hash" text COLLATE "C" NOT NULL,
	"seed" bigint,
	"git_commit" text COLLATE "C",
	"git_dirty" integer,
	"backend" text COLLATE "C",
	"host" text COLLATE "C",
	"worker" text COLLATE "C",
	"package_versions_json" text COLLATE "C",
	"artifact_root" text COLLATE "C",
	"created_at" bigint NOT NULL,
	"started_at" bigint,
	"ended_at" bigint,
	"heartbeat_at" bigint,
	"last_step" bigint,
	"total_steps" bigint,
	"resume_count" integer DEFAULT 0 NOT NULL,
	"failure_reason" text COLLATE "C",
	CONSTRAINT "runs_status_check" CHECK (status IN ('PENDING', 'RUNNING', 'FINISHED', 'FAILED', 'CRASHED', 'KILLED'))
);
--> statement-breakpoint
CREATE TABLE "sweeps" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"experiment_id" text COLLATE "C",
	"name" text COLLATE "C" NOT NULL,
	"method" text COLLATE "C" NOT NULL,
	"space_json" text COLLATE "C" NOT NULL,
	"status" text COLLATE "C" DEFAULT 'ACTIVE' NOT NULL,
	"created_at" bigint NOT NULL,
	CONSTRAINT "sweeps_name_unique" UNIQUE("name"),
	CONSTRAINT "sweeps_method_check" CHECK (method IN ('grid', 'random')),
	CONSTRAINT "sweeps_status_check" CHECK (status IN ('ACTIVE', 'FINISHED', 'CANCELLED'))
);
--> statement-breakpoint
CREATE TABLE "tags" (
	"run_id" text COLLATE "C" NOT NULL,
	"key" text COLLATE "C" NOT NULL,
	"value" text COLLATE "C" NOT NULL,
	CONSTRAINT "tags_run_id_key_pk" PRIMARY KEY("run_id","key")
);
--> statement-breakpoint
ALTER TABLE "artifacts" ADD CONSTRAINT "artifacts_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "latest_metrics" ADD CONSTRAINT "latest_metrics_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "metrics" ADD CONSTRAINT "metrics_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "params" ADD CONSTRAINT "params_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_sweep_id_sweeps_id_fk" FOREIGN KEY ("sweep_id") REFERENCES "public"."sweeps"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sweeps" ADD CONSTRAINT "sweeps_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tags" ADD CONSTRAINT "tags_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "latest_metrics_key_value_idx" ON "latest_metrics" USING btree ("key","value");--> statement-breakpoint
CREATE INDEX "notes_run_idx" ON "notes" USING btree ("run_id","created_at");--> statement-breakpoint
CREATE INDEX "params_key_number_idx" ON "params" USING btree ("key","value_number");--> statement-breakpoint
CREATE UNIQUE INDEX "runs_sweep_config_seed_unique" ON "runs" USING btree ("sweep_id","config_hash","seed");--> statement-breakpoint
CREATE INDEX "runs_queue_idx" ON "runs" USING btree ("status","sweep_id","queue_position","created_at");--> statement-breakpoint
CREATE INDEX "runs_status_heartbeat_idx" ON "runs" USING btree ("status","heartbeat_at");--> statement-breakpoint
CREATE INDEX "runs_config_hash_idx" ON "runs" USING btree ("config_hash");--> statement-breakpoint
CREATE INDEX "runs_experiment_idx" ON "runs" USING btree ("experiment_id");--> statement-breakpoint
CREATE INDEX "runs_created_at_idx" ON "runs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "tags_key_value_idx" ON "tags" USING btree ("key","value");