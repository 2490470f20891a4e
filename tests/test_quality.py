"""Every data-quality rule passes on a small valid warehouse and fails on the one corruption
it guards against, while the other rules keep passing.

Two kinds of rules: the column expectations the table contract (synthetic/tables.py)
declares for raw.* and truth.*, run by Great Expectations (pipelines.quality), and the dbt
tests (sql/): those on the sources, written from the same contract, and those of every
metric. The dbt tests run as dbt compiles them: compiled once against the valid
warehouse, each corruption then runs, inside a transaction rolled back after it, every test
that reads a table it changed (a test that reads none keeps passing). One `dbt test` run
on a warehouse holding many independent corruptions at once checks that dbt itself reports
exactly the expected failures.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, replace

import dagster as dg
import duckdb
import pytest
import yaml

from pipelines import dbt
from pipelines.defs.checks import build_quality_checks
from pipelines.defs.metrics import metric_layer
from pipelines.quality import checked_tables, checks_of, column_checks, validate_table
from pipelines.resources import WarehouseResource
from pipelines.warehouse import connect
from synthetic.tables import GENERATED_TABLES, TABLES_BY_NAME

# Metric tables as the sql/*.sql files create them (types as DuckDB infers them).
METRIC_COLUMNS = {
    "vacancies": "source VARCHAR, grain VARCHAR, period DATE, occupation_family VARCHAR, city VARCHAR, "
    "active_openings DOUBLE, postings_opened BIGINT, postings_filled BIGINT, median_months_to_fill DOUBLE, "
    "mean_months_to_fill DOUBLE, applications BIGINT, active_applicants DOUBLE, tightness DOUBLE",
    "company_insights": "source VARCHAR, company_id BIGINT, year INTEGER, headcount_start BIGINT, "
    "headcount_end BIGINT, average_headcount DOUBLE, growth DOUBLE, hires BIGINT, leavers BIGINT, attrition DOUBLE, "
    "management_hires BIGINT, promotions_to_management BIGINT, median_tenure_years DOUBLE, "
    "hires_from_other_employers BIGINT, top_source_company_id BIGINT, top_source_hires BIGINT, "
    "top_source_industry VARCHAR, top_source_industry_hires BIGINT, leavers_to_other_employers BIGINT, "
    "top_destination_company_id BIGINT, top_destination_leavers BIGINT, top_destination_industry VARCHAR, "
    "top_destination_industry_leavers BIGINT",
    "posting_insights": "posting_id BIGINT, views BIGINT, applicants BIGINT, vo_share DOUBLE, mbo_share DOUBLE, "
    "hbo_share DOUBLE, wo_share DOUBLE, required_skills BIGINT, applicants_with_all_skills BIGINT, "
    "all_skills_share DOUBLE, half_skills_share DOUBLE, skill_coverage DOUBLE, months_to_fill BIGINT, "
    "months_to_hire BIGINT",
    "monthly_stocks": "source VARCHAR, month DATE, year INTEGER, employed BIGINT, population BIGINT",
    "labour_force": "grain VARCHAR, period DATE, year INTEGER, age_band VARCHAR, education_level VARCHAR, "
    "population DOUBLE, labour_force DOUBLE, employed DOUBLE, unemployed DOUBLE, inactive DOUBLE, "
    "unemployment_rate DOUBLE, participation_rate DOUBLE",
    "stale_profiles": "year BIGINT, age_band VARCHAR, shown_employed BIGINT, employed BIGINT, without_work BIGINT, "
    "retired BIGINT, members_employed BIGINT, stale_share DOUBLE, retired_share DOUBLE, overstatement DOUBLE, "
    "shown_current BIGINT, current_stale_share DOUBLE",
    "salary_insights": "year INTEGER, occupation VARCHAR, city VARCHAR, seniority VARCHAR, reports BIGINT, "
    "status VARCHAR, estimate DOUBLE, median_salary DOUBLE, p25_salary DOUBLE, p75_salary DOUBLE, ci_low DOUBLE, "
    "ci_high DOUBLE, parent_reports BIGINT, parent_median DOUBLE, truth_person_years BIGINT, truth_median DOUBLE, "
    "estimate_error DOUBLE",
    "salary_estimates": "year INTEGER, dimension VARCHAR, segment VARCHAR, members BIGINT, estimated BIGINT, "
    "median_error DOUBLE, median_absolute_error DOUBLE, within_10_percent DOUBLE, within_25_percent DOUBLE",
    "wage_growth_tracker": "source VARCHAR, month DATE, year INTEGER, people BIGINT, stayers BIGINT, "
    "switchers BIGINT, median_growth DOUBLE, median_growth_stayers DOUBLE, median_growth_switchers DOUBLE, "
    "median_growth_3m DOUBLE, median_growth_stayers_3m DOUBLE, median_growth_switchers_3m DOUBLE, "
    "switcher_premium_3m DOUBLE",
    "wage_growth": "source VARCHAR, year INTEGER, people BIGINT, stayers BIGINT, switchers BIGINT, "
    "median_growth DOUBLE, median_growth_stayers DOUBLE, median_growth_switchers DOUBLE, switcher_premium DOUBLE",
    "beveridge_curve": "year INTEGER, quarter INTEGER, period DATE, vacancies DOUBLE, unemployed DOUBLE, "
    "vacancies_per_100_unemployed DOUBLE, vacancy_rate DOUBLE, unemployment_rate DOUBLE",
    "skills_based_hiring": "source VARCHAR, year BIGINT, measure VARCHAR, category VARCHAR, count BIGINT, "
    "total BIGINT, share DOUBLE",
    "platform_attribution": "source VARCHAR, year BIGINT, hires BIGINT, attributed_hires BIGINT, "
    "attributed_share DOUBLE, invisible_hires BIGINT, invisible_share DOUBLE",
    "hires": "source VARCHAR, grain VARCHAR, period DATE, hires BIGINT, separations BIGINT, quits BIGINT, "
    "quits_to_non_employment BIGINT, total_quits BIGINT, employment DOUBLE, employment_change BIGINT, "
    "hires_rate DOUBLE, separations_rate DOUBLE, quits_rate DOUBLE, quits_to_non_employment_rate DOUBLE, "
    "total_quits_rate DOUBLE, job_openings DOUBLE, job_openings_rate DOUBLE, members DOUBLE, "
    "hires_per_minute_875m DOUBLE, "
    "platform_hires BIGINT, platform_hires_per_minute_875m DOUBLE",
    "education_outcomes": "source VARCHAR, horizon_years INTEGER, level VARCHAR, field VARCHAR, institution VARCHAR, "
    "graduates BIGINT, managers BIGINT, management_share DOUBLE, ci_low DOUBLE, ci_high DOUBLE, "
    "employed_at_horizon BIGINT, median_yearly_pay DOUBLE",
    "institution_comparison": "source VARCHAR, horizon_years INTEGER, level VARCHAR, institution_a VARCHAR, "
    "institution_b VARCHAR, graduates_a BIGINT, graduates_b BIGINT, share_a DOUBLE, share_b DOUBLE, "
    "difference DOUBLE, ci_low DOUBLE, ci_high DOUBLE, significant BOOLEAN",
    "it_talent_regions": "source VARCHAR, year BIGINT, city VARCHAR, ict_arrivals BIGINT, ict_departures BIGINT, "
    "ict_net BIGINT, ict_members BIGINT, ict_net_per_10k DOUBLE, rank_by_net BIGINT, rank_by_rate BIGINT",
    "skills_genome": "occupation VARCHAR, occupation_family VARCHAR, skill VARCHAR, skill_group VARCHAR, "
    "postings BIGINT, tf DOUBLE, idf DOUBLE, tfidf DOUBLE, rank BIGINT",
    "skill_penetration": "occupation VARCHAR, skill_group VARCHAR, members BIGINT, members_with_group BIGINT, "
    "member_penetration DOUBLE, postings BIGINT, postings_with_group BIGINT, posting_penetration DOUBLE",
    "location_panel": "source VARCHAR, year BIGINT, person_id BIGINT, occupation_family VARCHAR, "
    "origin_city VARCHAR, destination_city VARCHAR",
    "job_change_rate": "source VARCHAR, grain VARCHAR, period DATE, job_changes BIGINT, avg_employed DOUBLE, "
    "rate DOUBLE, yoy_change DOUBLE, hires BIGINT, linkedin_hires BIGINT, population DOUBLE, hiring_rate DOUBLE",
    "talent_flows": "source VARCHAR, year BIGINT, city VARCHAR, occupation_family VARCHAR, arrivals BIGINT, "
    "departures BIGINT, net BIGINT, members BIGINT, members_end BIGINT, net_per_10k DOUBLE",
    "residence_flows": "source VARCHAR, year BIGINT, city VARCHAR, occupation_family VARCHAR, arrivals BIGINT, "
    "departures BIGINT, net BIGINT, members BIGINT, members_end BIGINT, net_per_10k DOUBLE",
    "commuting": "source VARCHAR, year BIGINT, work_city VARCHAR, employed BIGINT, live_in_work_city BIGINT, "
    "commuters BIGINT, live_in_work_city_pct DOUBLE",
    "talent_flows_od": "source VARCHAR, year BIGINT, origin_city VARCHAR, destination_city VARCHAR, "
    "occupation_family VARCHAR, movers BIGINT",
    "skill_demand": "year BIGINT, skill VARCHAR, postings BIGINT, share_of_postings DOUBLE, rank BIGINT, "
    "yoy_growth DOUBLE, share_yoy_growth DOUBLE",
    "skills_added": "source VARCHAR, year INTEGER, skills_added BIGINT, yoy_growth DOUBLE, "
    "member_years DOUBLE, skills_per_member DOUBLE, per_member_yoy_growth DOUBLE",
    "school_leavers": "source VARCHAR, graduation_year BIGINT, level VARCHAR, qualification VARCHAR, "
    "graduates BIGINT, followed BIGINT, without_job BIGINT, without_job_share DOUBLE, employees_paid BIGINT, "
    "hourly_wage_p25 DOUBLE, hourly_wage_median DOUBLE, hourly_wage_p75 DOUBLE",
    "time_to_first_job": "source VARCHAR, graduation_year BIGINT, level VARCHAR, field VARCHAR, "
    "institution VARCHAR, graduates BIGINT, censored BIGINT, employed_6m_share DOUBLE, "
    "employed_12m_share DOUBLE, "
    "median_months BIGINT, p25_months BIGINT, p75_months BIGINT",
    "population_margins": "population VARCHAR, year BIGINT, dimension VARCHAR, segment VARCHAR, "
    "people BIGINT",
    "raking_weights": "year BIGINT, education_level VARCHAR, occupation_family VARCHAR, city VARCHAR, "
    "members BIGINT, weight DOUBLE",
    "coverage": "year BIGINT, dimension VARCHAR, segment VARCHAR, workforce BIGINT, members BIGINT, "
    "eventual_members BIGINT, coverage DOUBLE, eventual_coverage DOUBLE, workforce_share DOUBLE, "
    "member_share DOUBLE, representativeness DOUBLE, dissimilarity DOUBLE",
    "platform_vs_truth": "metric VARCHAR, source_table VARCHAR, year BIGINT, dimension VARCHAR, "
    "segment VARCHAR, platform DOUBLE, truth DOUBLE, error DOUBLE, abs_error DOUBLE, relative_error DOUBLE, "
    "platform_base DOUBLE, truth_base DOUBLE",
    "corrected_estimates": "metric VARCHAR, year BIGINT, dimension VARCHAR, segment VARCHAR, truth DOUBLE, "
    "platform DOUBLE, corrected DOUBLE, error DOUBLE, corrected_error DOUBLE, relative_error DOUBLE, "
    "corrected_relative_error DOUBLE, platform_base BIGINT, truth_base BIGINT",
    "reporting_lag": "lag_months BIGINT, job_changes BIGINT, share DOUBLE, completion DOUBLE, "
    "reference_first_month DATE, reference_last_month DATE",
    "nowcast": "month DATE, months_before_cutoff BIGINT, reported_job_changes BIGINT, "
    "signup_job_changes BIGINT, completion DOUBLE, nowcast_job_changes DOUBLE, estimated_undercount DOUBLE, "
    "platform_employed DOUBLE, reported_rate DOUBLE, nowcast_rate DOUBLE, truth_rate DOUBLE",
    "network": "source VARCHAR, year INTEGER, members BIGINT, connections BIGINT, connections_formed BIGINT, mean_degree DOUBLE, "
    "median_degree BIGINT, hires BIGINT, connected_hires BIGINT, connected_hire_share DOUBLE, "
    "matched_hires BIGINT, matched_connected_share DOUBLE, placebo_connected_share DOUBLE",
}

# A consistent little world, window 2020-01 .. 2021-12. Member/person 1 changes employer
# in June 2020, member/person 2 starts a first job, person 4 (not a member) is promoted.
VALID_ROWS = """
INSERT INTO raw.companies VALUES (1, 'Acme', 'ICT', 'Utrecht'), (2, 'Bolt', 'Finance', 'Amsterdam');
INSERT INTO raw.members VALUES
    (1, 'An', 'an@example.nl', '2019-06-01', 'Amsterdam', 'WO'),
    (2, 'Bo', 'bo@example.nl', '2020-03-01', 'Utrecht', 'HBO'),
    (3, 'Cas', 'cas@example.nl', '2021-01-01', 'Zwolle', 'MBO');
INSERT INTO raw.educations VALUES
    (1, 'TU Delft', 'WO', NULL, 'ICT', '2012-09-01', '2017-07-01'),
    (2, 'Fontys Hogescholen', 'HBO', NULL, 'ICT', '2015-09-01', '2019-07-01'),
    (3, 'ROC Zwolle', 'MBO', 4, 'care', '2016-09-01', '2019-07-01');
INSERT INTO raw.positions VALUES
    (10, 1, 1, 'Senior Dev', 'Dev', 'ICT', 'senior', 'Utrecht', '2018-09-01', '2020-06-01', '2020-01-01'),
    (11, 1, 2, 'Lead Dev', 'Dev', 'ICT', 'manager', 'Amsterdam', '2020-06-01', NULL, '2020-08-01'),
    (12, 2, 1, 'Junior Analyst', 'Analyst', 'ICT', 'junior', 'Utrecht', '2020-04-01', NULL, '2020-04-01');
INSERT INTO raw.member_skills VALUES
    (1, 'python', 'self', '2020-02-01'), (1, 'sql', 'endorsed', '2020-05-01'),
    (2, 'python', 'course', '2021-01-01');
INSERT INTO raw.postings VALUES
    (100, 1, 'Analyst', 'ICT', 'Utrecht', 'junior', '2020-02-01', '2020-04-01', 2),
    (101, 2, 'Developer', 'ICT', 'Amsterdam', 'medior', '2021-03-01', NULL, NULL);
INSERT INTO raw.posting_skills VALUES (100, 'python'), (100, 'sql'), (101, 'sql');
INSERT INTO truth.people VALUES
    (1, 1, 'An', 1995, 'WO', '2017-08-01', '2062-01-01', 'Amsterdam'),
    (2, 2, 'Bo', 1997, 'HBO', '2019-08-01', '2064-01-01', 'Utrecht'),
    (3, 3, 'Cas', 1999, 'MBO', '2019-08-01', '2066-01-01', 'Zwolle'),
    (4, NULL, 'Dirk', 1970, 'VO', '1988-08-01', '2037-01-01', 'Amsterdam'),
    (5, NULL, 'Eva', 1999, 'HBO', '2021-08-01', '2066-01-01', 'Utrecht');
-- Eva works beside her study from September 2020 until she graduates (after January 2020, the
-- one month of metrics.monthly_stocks, so its counts hold without her).
INSERT INTO truth.student_jobs VALUES (5, 2, 'HBO', '2020-09-01', '2021-08-01');
-- An lives in Utrecht, where she works, and moves to Almere in July 2020 after her move to a
-- job in Amsterdam; her profile says so from October. Dirk commutes from Zaanstad.
INSERT INTO truth.residences VALUES
    (1, 'Utrecht', '2020-01-01', '2020-07-01'), (1, 'Almere', '2020-07-01', NULL),
    (2, 'Utrecht', '2020-01-01', NULL), (3, 'Zwolle', '2020-01-01', NULL), (4, 'Zaanstad', '2020-01-01', NULL);
INSERT INTO raw.profile_locations VALUES
    (1, 'Utrecht', '2019-06-01'), (1, 'Almere', '2020-10-01'), (2, 'Utrecht', '2020-03-01'),
    (3, 'Zwolle', '2021-01-01');
INSERT INTO truth.educations VALUES
    (1, 'TU Delft', 'WO', NULL, 'ICT', '2012-09-01', '2017-07-01'),
    (2, 'Fontys Hogescholen', 'HBO', NULL, 'ICT', '2015-09-01', '2019-07-01'),
    (3, 'ROC Zwolle', 'MBO', 4, 'care', '2016-09-01', '2019-07-01'),
    (4, 'Stedelijk Gymnasium', 'VO', NULL, 'general', '1982-09-01', '1988-07-01'),
    (5, 'Fontys Hogescholen', 'HBO', NULL, 'ICT', '2017-09-01', '2021-07-01');
INSERT INTO truth.positions VALUES
    (1000, 1, 1, 'Senior Dev', 'Dev', 'ICT', 'senior', 'Utrecht', '2018-09-01', '2020-06-01', 'initial', 'job_change'),
    (1001, 1, 2, 'Lead Dev', 'Dev', 'ICT', 'manager', 'Amsterdam', '2020-06-01', NULL, 'job_change', NULL),
    (1002, 2, 1, 'Junior Analyst', 'Analyst', 'ICT', 'junior', 'Utrecht', '2020-04-01', NULL, 'first_job', NULL),
    (1003, 4, 2, 'Clerk', 'Clerk', 'Finance', 'medior', 'Amsterdam', '2019-01-01', '2021-02-01', 'initial',
     'promotion'),
    (1004, 4, 2, 'Senior Clerk', 'Clerk', 'Finance', 'senior', 'Amsterdam', '2021-02-01', NULL, 'promotion', NULL);
INSERT INTO truth.wages VALUES
    (1000, 1, '2020-01-01', 4000.0), (1001, 1, '2020-06-01', 4500.0), (1001, 1, '2021-01-01', 4600.0),
    (1002, 2, '2020-04-01', 2800.0), (1002, 2, '2021-01-01', 2900.0), (1003, 4, '2020-01-01', 3000.0),
    (1003, 4, '2021-01-01', 3050.0), (1004, 4, '2021-02-01', 3300.0);
INSERT INTO truth.employers VALUES (1, 0.05), (2, -0.03);
INSERT INTO raw.salary_reports VALUES
    (1, 1, 'Dev', 'manager', 'Amsterdam', 54000, '2020-09-01'), (2, 2, 'Analyst', 'junior', 'Utrecht', 34000, '2021-03-01');
INSERT INTO metrics.salary_insights VALUES
    (2021, 'Dev', 'Amsterdam', 'manager', 12, 'supported', 54000.0, 54000.0, 50000.0, 58000.0, 48000.0, 60000.0, 12,
     54000.0, 2, 55200.0, -0.0217),
    (2021, 'Analyst', 'Utrecht', 'junior', 1, 'shrunk', 35000.0, 34000.0, 34000.0, 34000.0, NULL, NULL, 3, 36000.0, 1,
     34800.0, 0.0057);
INSERT INTO metrics.wage_growth VALUES ('truth', 2021, 3, 2, 1, 2.5, 2.0, 5.0, 3.0);
INSERT INTO metrics.wage_growth_tracker VALUES
    ('truth', '2021-01-01', 2021, 3, 2, 1, 2.5, 2.0, 5.0, NULL, NULL, NULL, NULL),
    ('truth', '2021-02-01', 2021, 3, 2, 1, 2.5, 2.0, 5.0, NULL, NULL, NULL, NULL),
    ('truth', '2021-03-01', 2021, 3, 2, 1, 2.5, 2.0, 5.0, 2.5, 2.0, 5.0, 3.0);
INSERT INTO metrics.salary_estimates VALUES
    (2021, 'all', 'all', 3, 2, -0.05, 0.10, 0.5, 1.0),
    (2021, 'own_reports', 'never', 2, 1, -0.10, 0.10, 0.0, 1.0),
    (2021, 'own_reports', 'in the model', 1, 1, 0.02, 0.02, 1.0, 1.0),
    (2021, 'profile_employer', 'true employer', 2, 2, -0.05, 0.10, 0.5, 1.0),
    (2021, 'profile_employer', 'no job', 1, 0, NULL, NULL, NULL, NULL);
INSERT INTO truth.parameters VALUES
    ('job_change_multiplier', '2020', 0.8), ('job_change_multiplier', '2021', 1.1),
    ('unreported_change_share', '', 0.2);
INSERT INTO metrics.location_panel VALUES
    ('truth', 2020, 1, 'ICT', 'Utrecht', 'Amsterdam'), ('truth', 2020, 2, 'ICT', 'Utrecht', 'Utrecht'),
    ('platform', 2020, 1, 'ICT', 'Utrecht', 'Amsterdam');
INSERT INTO raw.skills VALUES ('python', 'Programming'), ('sql', 'Data');
INSERT INTO metrics.hires VALUES
    ('truth', 'month', '2020-06-01', 2, 1, 1, 0, 1, 10.0, 1, 20.0, 10.0, 10.0, 0.0, 10.0, NULL, NULL, 12.0, 1.0,
     NULL, NULL),
    ('platform', 'year', '2020-01-01', 5, 3, 2, NULL, NULL, 8.0, 2, 62.5, 37.5, 25.0, NULL, NULL, 2.0, 20.0, 10.0,
     3.0, 1, 0.5);
INSERT INTO metrics.education_outcomes VALUES
    ('truth', 5, 'WO', 'all', 'all', 100, 20, 0.2, 0.13, 0.29, 90, 52000.0),
    ('truth', 5, 'WO', 'all', 'RUG', 50, 10, 0.2, 0.11, 0.33, 45, 53000.0),
    ('platform', 5, 'WO', 'all', 'all', 60, 15, 0.25, 0.16, 0.37, NULL, NULL);
INSERT INTO metrics.institution_comparison VALUES
    ('truth', 5, 'WO', 'RUG', 'UvA', 50, 40, 0.2, 0.1, 0.1, -0.04, 0.24, false);
INSERT INTO metrics.it_talent_regions VALUES
    ('truth', 2020, 'Amsterdam', 3, 1, 2, 100, 200.0, 1, 1),
    ('truth', 2020, 'Utrecht', 1, 3, -2, 50, -400.0, 2, 2);
INSERT INTO metrics.skills_genome VALUES
    ('Dev', 'ICT', 'python', 'Programming', 10, 0.5, 0.7, 0.35, 1),
    ('Dev', 'ICT', 'sql', 'Data', 5, 0.25, 0.1, 0.025, 2);
INSERT INTO metrics.skill_penetration VALUES ('Dev', 'Programming', 10, 4, 0.4, 20, 10, 0.5);
INSERT INTO raw.posting_events VALUES
    (2, 100, 'view', '2020-03-01'), (2, 100, 'apply', '2020-03-01'), (1, 101, 'view', '2021-03-01');
INSERT INTO truth.applications VALUES
    (1, 2, 1, 100, 'platform', '2020-03-01', true), (2, 4, 2, NULL, 'off_platform', '2021-01-01', true);
INSERT INTO metrics.platform_attribution VALUES
    ('platform', 2020, 2, 1, 0.5, NULL, NULL), ('truth', 2020, 3, 1, 0.333, 1, 0.333);
-- Vacancies: posting 100 (ICT, Utrecht) is open on 1 March 2020, member 2 applies that month,
-- the posting is filled in April after 2 months; the yearly rows match metrics.hires' 2.0 openings.
INSERT INTO metrics.vacancies VALUES
    ('platform', 'month', '2020-03-01', 'ICT', 'Utrecht', 1.0, 0, 0, NULL, NULL, 1, 1.0, 1.0),
    ('platform', 'month', '2020-03-01', 'ICT', 'all', 1.0, 0, 0, NULL, NULL, 1, 1.0, 1.0),
    ('platform', 'month', '2020-03-01', 'all', 'Utrecht', 1.0, 0, 0, NULL, NULL, 1, 1.0, 1.0),
    ('platform', 'month', '2020-03-01', 'all', 'all', 1.0, 0, 0, NULL, NULL, 1, 1.0, 1.0),
    ('platform', 'month', '2020-04-01', 'all', 'all', 0.0, 0, 1, 2.0, 2.0, 0, 0.0, NULL),
    ('platform', 'year', '2020-01-01', 'ICT', 'all', 2.0, 1, 1, 2.0, 2.0, 1, 0.25, 8.0),
    ('platform', 'year', '2020-01-01', 'all', 'Utrecht', 2.0, 1, 1, 2.0, 2.0, 1, 0.25, 8.0),
    ('platform', 'year', '2020-01-01', 'all', 'all', 2.0, 1, 1, 2.0, 2.0, 1, 0.25, 8.0),
    ('truth', 'month', '2020-03-01', 'all', 'all', 1.0, 0, NULL, NULL, NULL, 1, 1.0, 1.0);
-- Company insights for 2020 whose hires (5) and leavers (3) match metrics.hires' platform year.
INSERT INTO metrics.company_insights VALUES
    ('platform', 1, 2020, 10, 12, 11.0, 0.2, 4, 2, 0.18181818181818182, 1, 0, 2.5,
     2, 2, 1, 'Finance', 2, 1, 2, 1, 'Finance', 1),
    ('platform', 2, 2020, 5, 5, 5.0, 0.0, 1, 1, 0.2, 0, 1, 4.0,
     0, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL);
-- Posting insights: member 2 (HBO) applied to posting 100 in March 2020 holding neither of its
-- skills yet and was hired in April; posting 101 has a view and no applicant.
INSERT INTO metrics.posting_insights VALUES
    (100, 1, 1, 0.0, 0.0, 1.0, 0.0, 2, 0, 0.0, 0.0, 0.0, 2, 1),
    (101, 1, 0, NULL, NULL, NULL, NULL, 1, 0, NULL, NULL, NULL, NULL, NULL);
-- Recruiter searches for postings 100 (python, sql) and 101 (sql); what skills_based_hiring
-- makes of the little world in 2020: member 2's hire, held no posting skill yet, no earlier employer.
INSERT INTO raw.recruiter_searches VALUES
    (1, 1, 100, '2020-02-01', 'Analyst', ['python', 'sql']),
    (2, 1, 100, '2020-03-01', 'Analyst', []),
    (3, 2, 101, '2021-04-01', 'Developer', ['sql']);
INSERT INTO metrics.skills_based_hiring VALUES
    ('platform', 2020, 'hires', 'skills_at_least_1', 0, 1, 0.0),
    ('platform', 2020, 'hires', 'skills_at_least_2', 0, 1, 0.0),
    ('platform', 2020, 'hires', 'skills_at_least_3', 0, 1, 0.0),
    ('platform', 2020, 'hires', 'pedigree', 0, 1, 0.0),
    ('platform', 2020, 'hires_by_basis', 'skills_only', 0, 1, 0.0),
    ('platform', 2020, 'hires_by_basis', 'pedigree_only', 0, 1, 0.0),
    ('platform', 2020, 'hires_by_basis', 'skills_and_pedigree', 0, 1, 0.0),
    ('platform', 2020, 'hires_by_basis', 'neither', 1, 1, 1.0),
    ('platform', 2020, 'recruiter_searches', 'skill_filter', 1, 2, 0.5),
    ('platform', 2020, 'recruiter_searches', 'no_skill_filter', 1, 2, 0.5),
    ('platform', 2020, 'skills_added', 'self', 1, 2, 0.5),
    ('platform', 2020, 'skills_added', 'endorsed', 1, 2, 0.5),
    ('platform', 2020, 'skills_added', 'assessment', 0, 2, 0.0),
    ('platform', 2020, 'skills_added', 'course', 0, 2, 0.0);
INSERT INTO metrics.monthly_stocks VALUES
    ('truth', '2020-01-01', 2020, 3, 4), ('platform', '2020-01-01', 2020, 2, 3);
-- One person aged 25-34 with an HBO degree out of work, one inactive, in January 2020 and
-- on average over 2020; the month's labour force and employed are monthly_stocks' truth.
INSERT INTO metrics.labour_force VALUES
    ('month', '2020-01-01', 2020, '25-34', 'HBO', 5.0, 4.0, 3.0, 1.0, 1.0, 25.0, 80.0),
    ('month', '2020-01-01', 2020, '25-34', 'all', 5.0, 4.0, 3.0, 1.0, 1.0, 25.0, 80.0),
    ('month', '2020-01-01', 2020, 'all', 'HBO', 5.0, 4.0, 3.0, 1.0, 1.0, 25.0, 80.0),
    ('month', '2020-01-01', 2020, 'all', 'all', 5.0, 4.0, 3.0, 1.0, 1.0, 25.0, 80.0),
    ('year', '2020-01-01', 2020, '25-34', 'HBO', 5.0, 4.0, 3.0, 1.0, 1.0, 25.0, 80.0),
    ('year', '2020-01-01', 2020, '25-34', 'all', 5.0, 4.0, 3.0, 1.0, 1.0, 25.0, 80.0),
    ('year', '2020-01-01', 2020, 'all', 'HBO', 5.0, 4.0, 3.0, 1.0, 1.0, 25.0, 80.0),
    ('year', '2020-01-01', 2020, 'all', 'all', 5.0, 4.0, 3.0, 1.0, 1.0, 25.0, 80.0);
-- On 1 January 2020 five members show a current position: two of them work (one aged 25-34,
-- one 65-74), one aged 25-34 is without work and two aged 65-74 have retired; one more member
-- aged 25-34 works without the profile showing it. The profiles of the two retirees are not
-- current (nothing done on the platform in 2019).
INSERT INTO metrics.stale_profiles VALUES
    (2020, '25-34', 2, 1, 1, 0, 2, 0.5, 0.0, 0.0, 2, 0.5),
    (2020, '65-74', 3, 1, 0, 2, 1, 0.6666666666666666, 0.6666666666666666, 2.0, 1, 0.0),
    (2020, 'all', 5, 2, 1, 2, 3, 0.6, 0.4, 0.6666666666666667, 3, 0.3333333333333333);
INSERT INTO metrics.beveridge_curve VALUES
    (2020, 1, '2020-01-01', 2.0, 1.0, 200.0, 40.0, 25.0), (2020, 2, '2020-04-01', 2.0, 1.0, 200.0, 40.0, 25.0),
    (2020, 3, '2020-07-01', 2.0, 1.0, 200.0, 40.0, 25.0), (2020, 4, '2020-10-01', 2.0, 1.0, 200.0, 40.0, 25.0);
INSERT INTO metrics.job_change_rate VALUES
    ('truth', 'year', '2020-01-01', 1, 3.0, 0.333, NULL, 2, 2, 4.0, 0.5),
    ('truth', 'year', '2021-01-01', 0, 3.0, 0.0, -1.0, 0, 0, 4.0, 0.0),
    ('truth', 'month', '2020-06-01', 1, 3.0, 0.333, NULL, 2, 1, 4.0, 0.25),
    ('platform', 'year', '2020-01-01', 1, 2.0, 0.5, NULL, 5, 2, 2.5, 0.8);
INSERT INTO metrics.talent_flows VALUES
    ('truth', 2020, 'Utrecht', 'all', 1, 3, -2, 10, 8, -2000.0),
    ('truth', 2020, 'Amsterdam', 'all', 3, 1, 2, 5, 7, 4000.0);
-- On 1 January 2021 An works in Amsterdam and lives in Almere, Dirk works there and lives in
-- Zaanstad, Bo lives and works in Utrecht; An moved out of Utrecht in 2020.
INSERT INTO metrics.commuting VALUES
    ('truth', 2021, 'Amsterdam', 2, 0, 2, 0.0), ('truth', 2021, 'Utrecht', 1, 1, 0, 100.0),
    ('truth', 2021, 'all', 3, 1, 2, 33.333333333333336);
INSERT INTO metrics.residence_flows VALUES
    ('truth', 2020, 'Utrecht', 'all', 0, 1, -1, 2, 1, -5000.0),
    ('truth', 2020, 'Almere', 'all', 1, 0, 1, 0, 1, NULL);
INSERT INTO metrics.talent_flows_od VALUES
    ('truth', 2020, 'Utrecht', 'Amsterdam', 'all', 3), ('truth', 2020, 'Amsterdam', 'Utrecht', 'all', 1);
INSERT INTO metrics.skill_demand VALUES
    (2020, 'python', 2, 1.0, 1, NULL, NULL), (2020, 'sql', 1, 0.5, 2, NULL, NULL),
    (2021, 'sql', 1, 1.0, 1, 0.0, 1.0);
INSERT INTO metrics.skills_added VALUES
    ('platform', 2020, 2, NULL, 1.5, 1.333, NULL), ('platform', 2021, 1, -0.5, 2.5, 0.4, -0.7);
INSERT INTO metrics.school_leavers VALUES
    ('truth', 2019, 'MBO', 'MBO', 1, 1, 0, 0.0, 1, 12.0, 12.0, 12.0),
    ('truth', 2019, 'MBO', 'MBO 4', 1, 1, 0, 0.0, 1, 12.0, 12.0, 12.0),
    ('platform', 2019, 'HBO', 'HBO', 1, 1, 1, 1.0, 0, NULL, NULL, NULL);
INSERT INTO metrics.time_to_first_job VALUES
    ('truth', 2020, 'all', 'all', 'all', 10, 2, 0.5, 0.7, 6, 2, 12),
    ('platform', 2020, 'WO', 'ICT', 'TU Delft', 3, 1, 0.33, NULL, NULL, 4, NULL);
-- Platform against truth. Employed on 1 January 2020: persons 1 and 2 (WO, ICT, Utrecht)
-- and 4 (VO, Finance, Amsterdam); members 1 and 2, of whom only 1 had joined by then.
INSERT INTO metrics.population_margins VALUES
    ('employed', 2020, 'education_level', 'VO', 1), ('employed', 2020, 'education_level', 'WO', 2),
    ('employed', 2020, 'occupation_family', 'Finance', 1), ('employed', 2020, 'occupation_family', 'ICT', 2),
    ('employed', 2020, 'city', 'Amsterdam', 1), ('employed', 2020, 'city', 'Utrecht', 2),
    ('graduates', 2020, 'education_level', 'HBO', 1);
INSERT INTO metrics.raking_weights VALUES
    (2020, 'WO', 'ICT', 'Utrecht', 1, 2.0), (2020, 'VO', 'Finance', 'Amsterdam', 1, 1.0);
INSERT INTO metrics.coverage VALUES
    (2020, 'all', 'all', 3, 1, 2, 0.333, 0.667, 1.0, 1.0, 1.0, 0.0),
    (2020, 'education_level', 'VO', 1, 0, 0, 0.0, 0.0, 0.333, 0.0, 0.0, 0.333),
    (2020, 'education_level', 'WO', 2, 1, 2, 0.5, 1.0, 0.667, 1.0, 1.5, 0.333);
INSERT INTO metrics.platform_vs_truth VALUES
    ('job_change_rate', 'metrics.job_change_rate', 2020, 'all', 'all', 0.5, 0.25, 0.25, 0.25, 1.0, 2.0, 3.0),
    ('employed_6m_share', 'metrics.time_to_first_job', 2020, 'education_level', 'WO', 0.75, NULL, NULL, NULL,
     NULL, 3.0, 10.0),
    ('net_talent_migration_per_10k', 'metrics.talent_flows', 2020, 'city', 'Utrecht', -1000.0, -2000.0,
     1000.0, 1000.0, -0.5, 5.0, 10.0);
INSERT INTO metrics.corrected_estimates VALUES
    ('job_changes_per_employed', 2020, 'all', 'all', 0.25, 0.5, 0.375, 0.25, 0.125, 1.0, 0.5, 2, 3),
    ('occupation_family_share', 2020, 'city|occupation_family', 'Utrecht|ICT', 0.5, 1.0, 0.5, 0.5, 0.0, 1.0,
     0.0, 1, 2),
    ('occupation_family_share', 2020, 'city|occupation_family', 'Utrecht|Finance', 0.5, 0.0, 0.5, -0.5, 0.0,
     -1.0, 0.0, 1, 2),
    ('net_talent_migration_per_10k', 2020, 'city', 'Utrecht', -2000.0, -1000.0, -1500.0, 1000.0, 500.0, -0.5,
     -0.25, 1, 10);
INSERT INTO metrics.reporting_lag VALUES
    (0, 2, 0.5, 0.5, '2016-01-01', '2017-12-01'), (1, 1, 0.25, 0.75, '2016-01-01', '2017-12-01'),
    (2, 1, 0.25, 1.0, '2016-01-01', '2017-12-01');
INSERT INTO metrics.job_change_rate VALUES
    ('platform', 'month', '2021-11-01', 4, 10.0, 0.4, NULL, 4, 4, 12.0, 0.333),
    ('platform', 'month', '2021-12-01', 1, 10.0, 0.1, NULL, 1, 1, 12.0, 0.083);
INSERT INTO metrics.nowcast VALUES
    ('2021-11-01', 1, 4, 1, 0.5, 7.0, 0.42857142857142855, 10.0, 0.4, 0.7, 0.5),
    ('2021-12-01', 0, 1, 0, 0.25, 4.0, 0.75, 10.0, 0.1, 0.4, 0.5);
-- Members 1 and 2 were colleagues at Acme (2020), 2 and 3 classmates; 1 met 3 elsewhere.
-- Neither 2020 hire knew someone at the new employer, and each was alone in its month,
-- city and family (no placebo); the truth has the same hires (person 4 is no member).
INSERT INTO raw.connections VALUES
    (1, 2, '2020-04-01', 'colleagues'), (1, 3, '2021-02-01', 'other'), (2, 3, '2021-06-01', 'classmates');
INSERT INTO metrics.network VALUES
    ('platform', 2020, 2, 1, 1, 1.0, 1, 2, 0, 0.0, 0, NULL, NULL),
    ('platform', 2021, 3, 3, 2, 2.0, 2, 0, 0, NULL, 0, NULL, NULL),
    ('truth', 2020, 2, 1, 1, 1.0, 1, 2, 0, 0.0, 0, NULL, NULL),
    ('truth', 2021, 3, 3, 2, 2.0, 2, 0, 0, NULL, 0, NULL, NULL);
"""


# --------------------------------------------------------------------------------------
# Corruptions. Per table: (rule, corrupting statement, ...[, {other rules it must fail too}]),
# those rules named as on the same table or as (table, name).
# Each corruption breaks exactly what its rule guards; several lines for one rule are
# variants (a NULL beside a wrong value, a date before beside one after the window, ...).
# --------------------------------------------------------------------------------------

# The column expectations of the contract (Great Expectations), by check name.
GX_CORRUPTIONS = {
    "raw.members": [
        (
            "highest_education_level_in_set",
            "UPDATE raw.members SET highest_education_level = 'PhD' WHERE member_id = 1",
        ),
        ("joined_on_not_after_window", "UPDATE raw.members SET joined_on = '2022-01-01' WHERE member_id = 3"),
    ],
    "raw.educations": [
        ("level_in_set", "UPDATE raw.educations SET level = 'BSc' WHERE member_id = 2"),
        ("mbo_level_in_range", "UPDATE raw.educations SET mbo_level = 5 WHERE member_id = 3"),
    ],
    "raw.positions": [
        ("seniority_in_set", "UPDATE raw.positions SET seniority = 'intern' WHERE position_id = 12"),
        (
            "start_date_not_after_window",
            "UPDATE raw.positions SET start_date = '2022-01-01', reported_on = '2022-01-01' "
            "WHERE position_id = 12",
            {"reported_on_not_after_window"},
        ),
        ("start_date_not_after_window", "UPDATE raw.positions SET start_date = NULL WHERE position_id = 12"),
        ("end_date_in_window", "UPDATE raw.positions SET end_date = '2022-01-01' WHERE position_id = 12"),
        ("end_date_in_window", "UPDATE raw.positions SET end_date = '2019-06-01' WHERE position_id = 10"),
        (
            "end_date_after_start_date",
            "UPDATE raw.positions SET end_date = start_date WHERE position_id = 12",
        ),
        (
            "reported_on_not_after_window",
            "UPDATE raw.positions SET reported_on = '2022-01-01' WHERE position_id = 12",
        ),
        (
            "reported_on_not_before_start_date",
            "UPDATE raw.positions SET reported_on = '2020-02-01' WHERE position_id = 12",
        ),
    ],
    "raw.member_skills": [
        ("source_in_set", "UPDATE raw.member_skills SET source = 'import' WHERE skill = 'sql'"),
        ("added_on_in_window", "UPDATE raw.member_skills SET added_on = '2019-12-01' WHERE skill = 'sql'"),
    ],
    "raw.postings": [
        ("seniority_in_set", "UPDATE raw.postings SET seniority = 'boss' WHERE posting_id = 101"),
        ("opened_on_in_window", "UPDATE raw.postings SET opened_on = '2022-01-01' WHERE posting_id = 101"),
        ("closed_on_in_window", "UPDATE raw.postings SET closed_on = '2022-02-01' WHERE posting_id = 100"),
        (
            "closed_on_not_before_opened_on",
            "UPDATE raw.postings SET closed_on = '2020-01-01' WHERE posting_id = 100",
        ),
    ],
    "raw.posting_events": [
        ("event_in_set", "UPDATE raw.posting_events SET event = 'click' WHERE posting_id = 101"),
        (
            "occurred_on_in_window",
            "UPDATE raw.posting_events SET occurred_on = '2022-01-01' WHERE posting_id = 101",
        ),
    ],
    "raw.recruiter_searches": [
        (
            "searched_on_in_window",
            "UPDATE raw.recruiter_searches SET searched_on = '2022-01-01' WHERE search_id = 3",
        ),
    ],
    "raw.connections": [
        ("context_in_set", "UPDATE raw.connections SET context = 'family' WHERE member_b = 3"),
        (
            "connected_on_not_after_window",
            "UPDATE raw.connections SET connected_on = '2022-01-01' WHERE member_a = 2",
        ),
        (
            "member_b_greater_than_member_a",
            "UPDATE raw.connections SET member_a = member_b, member_b = member_a WHERE member_a = 2",
        ),
    ],
    "truth.people": [
        (
            "highest_education_level_in_set",
            "UPDATE truth.people SET highest_education_level = NULL WHERE person_id = 4",
        ),
    ],
    "truth.educations": [
        ("level_in_set", "UPDATE truth.educations SET level = 'PhD' WHERE person_id = 1"),
        ("mbo_level_in_range", "UPDATE truth.educations SET mbo_level = 0 WHERE person_id = 3"),
    ],
    "truth.positions": [
        ("seniority_in_set", "UPDATE truth.positions SET seniority = 'intern' WHERE position_id = 1002"),
        (
            "start_reason_in_set",
            "UPDATE truth.positions SET start_reason = 'transfer' WHERE position_id = 1004",
        ),
        ("end_reason_in_set", "UPDATE truth.positions SET end_reason = 'fired' WHERE position_id = 1000"),
        (
            "start_date_not_after_window",
            "UPDATE truth.positions SET start_date = '2022-01-01' WHERE position_id = 1002",
        ),
        ("end_date_in_window", "UPDATE truth.positions SET end_date = '2022-01-01' WHERE position_id = 1002"),
        (
            "end_date_after_start_date",
            "UPDATE truth.positions SET end_date = '2020-03-01' WHERE position_id = 1002",
        ),
    ],
    "raw.salary_reports": [
        ("seniority_in_set", "UPDATE raw.salary_reports SET seniority = 'intern' WHERE report_id = 1"),
        ("yearly_salary_in_range", "UPDATE raw.salary_reports SET yearly_salary = -1 WHERE report_id = 1"),
        ("reported_on_in_window", "UPDATE raw.salary_reports SET reported_on = '2022-01-01' WHERE report_id = 2"),
    ],
    "truth.student_jobs": [
        ("school_level_in_set", "UPDATE truth.student_jobs SET school_level = 'PhD' WHERE person_id = 5"),
        ("start_date_in_window", "UPDATE truth.student_jobs SET start_date = '2019-12-01' WHERE person_id = 5"),
        ("end_date_in_window", "UPDATE truth.student_jobs SET end_date = '2022-01-01' WHERE person_id = 5"),
        (
            "end_date_after_start_date",
            "UPDATE truth.student_jobs SET end_date = '2020-09-01' WHERE person_id = 5",
        ),
    ],
    "truth.residences": [
        ("start_date_in_window", "UPDATE truth.residences SET start_date = '2019-12-01' WHERE person_id = 3"),
        ("end_date_in_window", "UPDATE truth.residences SET end_date = '2022-01-01' WHERE person_id = 2"),
        (
            "end_date_after_start_date",
            "UPDATE truth.residences SET end_date = '2020-01-01' WHERE person_id = 1 AND city = 'Utrecht'",
        ),
        ("city_not_null", "UPDATE truth.residences SET city = NULL WHERE person_id = 4"),
    ],
    "raw.profile_locations": [
        ("set_on_not_after_window", "UPDATE raw.profile_locations SET set_on = '2022-01-01' WHERE member_id = 3"),
        ("city_not_null", "UPDATE raw.profile_locations SET city = NULL WHERE member_id = 3"),
    ],
    "truth.wages": [
        ("effective_from_in_window", "UPDATE truth.wages SET effective_from = '2019-12-01' WHERE position_id = 1000"),
        ("monthly_wage_in_range", "UPDATE truth.wages SET monthly_wage = 0 WHERE position_id = 1002"),
    ],
    "truth.employers": [
        ("wage_effect_not_null", "UPDATE truth.employers SET wage_effect = NULL WHERE company_id = 1"),
    ],
    "truth.applications": [
        ("channel_in_set", "UPDATE truth.applications SET channel = 'email' WHERE application_id = 2"),
        (
            "applied_on_in_window",
            "UPDATE truth.applications SET applied_on = '2019-01-01' WHERE application_id = 2",
        ),
    ],
}

# The dbt tests of the sources and the metrics, by test name; "key_unique" also names a
# metric's unique_key test. The not_null and accepted_values tests of metric columns
# without a line here get a generated corruption (see generated_corruptions).
_LAST_WAGE_OF_1002 = "position_id = 1002 AND effective_from = '2021-01-01'"
DBT_CORRUPTIONS = {
    "raw.calendar": [
        ("key_unique", "INSERT INTO raw.calendar VALUES ('2020-05-01', 2020)"),
        ("month_not_null", "UPDATE raw.calendar SET month = NULL WHERE month = '2021-12-01'"),
        ("months_contiguous", "DELETE FROM raw.calendar WHERE month = '2020-06-01'"),
    ],
    "raw.members": [
        # A second member 1, joined after the first one's profile took its location.
        ("key_unique", "INSERT INTO raw.members VALUES (1, 'Ed', 'ed@x.nl', '2020-01-01', 'Ede', 'WO')",
         {("metrics.network", "totals_match_the_tables"), ("raw.profile_locations", "set_not_before_joining")}),
        (
            "member_id_not_null",
            "UPDATE raw.members SET member_id = NULL WHERE member_id = 3",
            # Member 3 is referenced by an education, two connections, a person and a location.
            {("raw.educations", "member_id_foreign_key"), ("raw.connections", "member_b_foreign_key"),
             ("truth.people", "member_id_foreign_key"), ("raw.profile_locations", "member_id_foreign_key")},
        ),
    ],
    "raw.educations": [
        ("key_unique", "INSERT INTO raw.educations VALUES (1, 'TU Delft', 'WO', NULL, 'math', NULL, NULL)"),
        ("member_id_not_null", "UPDATE raw.educations SET member_id = NULL WHERE member_id = 2"),
        ("institution_not_null", "INSERT INTO raw.educations VALUES (1, NULL, 'WO', NULL, 'math', NULL, NULL)"),
        ("level_not_null", "INSERT INTO raw.educations VALUES (1, 'TU Delft', NULL, NULL, 'math', NULL, NULL)"),
        (
            "member_id_foreign_key",
            "INSERT INTO raw.educations VALUES (99, 'TU Delft', 'WO', NULL, 'ICT', NULL, NULL)",
        ),
        ("mbo_level_only_for_mbo", "UPDATE raw.educations SET mbo_level = 2 WHERE member_id = 1"),
        ("mbo_level_only_for_mbo", "UPDATE raw.educations SET mbo_level = NULL WHERE member_id = 3"),
    ],
    "raw.companies": [
        ("key_unique", "INSERT INTO raw.companies VALUES (2, 'Copy', 'ICT', 'Ede')"),
        ("company_id_not_null", "INSERT INTO raw.companies VALUES (NULL, 'Nobody', 'ICT', 'Ede')"),
    ],
    "raw.positions": [
        (
            "key_unique",
            "INSERT INTO raw.positions SELECT * REPLACE (3 AS member_id, DATE '2021-01-01' AS start_date, "
            "DATE '2021-01-01' AS reported_on) FROM raw.positions WHERE position_id = 12",
        ),
        (
            "position_id_not_null",
            "INSERT INTO raw.positions SELECT * REPLACE (NULL AS position_id, 3 AS member_id, "
            "DATE '2021-01-01' AS start_date, DATE '2021-01-01' AS reported_on) FROM raw.positions "
            "WHERE position_id = 12",
        ),
        ("member_id_not_null", "UPDATE raw.positions SET member_id = NULL WHERE position_id = 12"),
        ("member_id_foreign_key", "UPDATE raw.positions SET member_id = 99 WHERE position_id = 12"),
        ("company_id_not_null", "UPDATE raw.positions SET company_id = NULL WHERE position_id = 12"),
        ("company_id_foreign_key", "UPDATE raw.positions SET company_id = 99 WHERE position_id = 12"),
        (
            "no_overlapping_positions",
            "UPDATE raw.positions SET start_date = '2020-05-01' WHERE position_id = 11",
        ),
        ("no_overlapping_positions", "UPDATE raw.positions SET end_date = NULL WHERE position_id = 10"),
        (
            "reported_not_before_joining",
            "UPDATE raw.positions SET reported_on = '2019-01-01' WHERE position_id = 10",
        ),
    ],
    "raw.member_skills": [
        ("key_unique", "INSERT INTO raw.member_skills VALUES (1, 'python', 'course', '2021-01-01')"),
        ("member_id_not_null", "INSERT INTO raw.member_skills VALUES (NULL, 'go', 'self', '2020-01-01')"),
        ("skill_not_null", "INSERT INTO raw.member_skills VALUES (1, NULL, 'self', '2020-01-01')"),
        ("member_id_foreign_key", "INSERT INTO raw.member_skills VALUES (99, 'go', 'self', '2020-01-01')"),
        # An retires in January 2062.
        (
            "added_before_retirement",
            "UPDATE raw.member_skills SET added_on = '2062-01-01' WHERE member_id = 1 AND skill = 'python'",
        ),
    ],
    "raw.skills": [
        ("key_unique", "INSERT INTO raw.skills VALUES ('python', 'Data')"),
        ("skill_not_null", "INSERT INTO raw.skills VALUES (NULL, 'Data')"),
    ],
    "raw.postings": [
        ("key_unique", "INSERT INTO raw.postings SELECT * FROM raw.postings WHERE posting_id = 101"),
        (
            "posting_id_not_null",
            "INSERT INTO raw.postings SELECT * REPLACE (NULL AS posting_id, NULL AS hired_member_id) "
            "FROM raw.postings WHERE posting_id = 101",
        ),
        (
            "company_id_not_null",
            "INSERT INTO raw.postings VALUES "
            "(102, NULL, 'Analyst', 'ICT', 'Utrecht', 'junior', '2020-02-01', NULL, NULL)",
        ),
        (
            "company_id_foreign_key",
            "INSERT INTO raw.postings VALUES "
            "(102, 99, 'Analyst', 'ICT', 'Utrecht', 'junior', '2020-02-01', NULL, NULL)",
        ),
        (
            "hired_member_id_foreign_key",
            "UPDATE raw.postings SET hired_member_id = 99 WHERE posting_id = 100",
        ),
    ],
    "raw.posting_skills": [
        ("key_unique", "INSERT INTO raw.posting_skills VALUES (101, 'sql')"),
        ("posting_id_not_null", "INSERT INTO raw.posting_skills VALUES (NULL, 'go')"),
        ("skill_not_null", "INSERT INTO raw.posting_skills VALUES (100, NULL)"),
        ("posting_id_foreign_key", "INSERT INTO raw.posting_skills VALUES (999, 'go')"),
    ],
    "raw.posting_events": [
        ("key_unique", "INSERT INTO raw.posting_events VALUES (2, 100, 'view', '2020-04-01')"),
        ("member_id_not_null", "INSERT INTO raw.posting_events VALUES (NULL, 100, 'view', '2020-04-01')"),
        ("posting_id_not_null", "INSERT INTO raw.posting_events VALUES (1, NULL, 'view', '2021-04-01')"),
        ("event_not_null", "INSERT INTO raw.posting_events VALUES (1, 101, NULL, '2021-04-01')"),
        ("member_id_foreign_key", "INSERT INTO raw.posting_events VALUES (99, 100, 'view', '2020-04-01')"),
        ("posting_id_foreign_key", "INSERT INTO raw.posting_events VALUES (1, 999, 'view', '2020-04-01')"),
        ("apply_has_view", "DELETE FROM raw.posting_events WHERE event = 'view' AND posting_id = 100"),
        ("before_retirement", "UPDATE raw.posting_events SET occurred_on = '2062-01-01' WHERE member_id = 1"),
        (
            "not_before_joining",
            "UPDATE raw.posting_events SET occurred_on = '2020-02-01' WHERE member_id = 2",
        ),
    ],
    "raw.recruiter_searches": [
        (
            "key_unique",
            "INSERT INTO raw.recruiter_searches VALUES (3, 2, 101, '2021-05-01', 'Developer', [])",
        ),
        (
            "search_id_not_null",
            "INSERT INTO raw.recruiter_searches VALUES (NULL, 2, 101, '2021-05-01', 'Developer', [])",
        ),
        ("company_id_not_null", "UPDATE raw.recruiter_searches SET company_id = NULL WHERE search_id = 3"),
        (
            "company_id_foreign_key",
            "UPDATE raw.recruiter_searches SET company_id = 99 WHERE search_id = 3",
            {"search_matches_posting"},  # the posting's company is 2
        ),
        ("posting_id_not_null", "UPDATE raw.recruiter_searches SET posting_id = NULL WHERE search_id = 2"),
        ("posting_id_foreign_key", "UPDATE raw.recruiter_searches SET posting_id = 999 WHERE search_id = 2"),
        (
            "skill_filters_well_formed",
            "UPDATE raw.recruiter_searches SET skill_filters = NULL WHERE search_id = 2",
        ),
        (
            "skill_filters_well_formed",
            "UPDATE raw.recruiter_searches SET skill_filters = ['python', 'python'] WHERE search_id = 1",
        ),
        (
            "search_matches_posting",
            "UPDATE raw.recruiter_searches SET searched_on = '2020-05-01' WHERE search_id = 2",
        ),
        (
            "search_matches_posting",
            "UPDATE raw.recruiter_searches SET occupation = 'Developer' WHERE search_id = 1",
        ),
        (
            "skill_filters_from_posting",
            "UPDATE raw.recruiter_searches SET skill_filters = ['python'] WHERE search_id = 3",
        ),
    ],
    "raw.connections": [
        ("key_unique", "INSERT INTO raw.connections VALUES (1, 2, '2021-01-01', 'other')",
         {("metrics.network", "totals_match_the_tables")}),
        ("member_a_not_null", "UPDATE raw.connections SET member_a = NULL WHERE member_b = 2"),
        ("member_b_not_null", "UPDATE raw.connections SET member_b = NULL WHERE member_a = 2"),
        ("member_a_foreign_key", "UPDATE raw.connections SET member_a = 0 WHERE member_b = 2"),
        ("member_b_foreign_key", "UPDATE raw.connections SET member_b = 99 WHERE member_a = 2"),
        ("not_before_joining", "UPDATE raw.connections SET connected_on = '2020-02-01' WHERE member_b = 2"),
        ("not_before_joining", "UPDATE raw.connections SET connected_on = '2020-12-01' WHERE member_a = 2"),
    ],
    "truth.people": [
        (
            "key_unique",
            "INSERT INTO truth.people SELECT * REPLACE (NULL AS member_id) FROM truth.people "
            "WHERE person_id = 4",
        ),
        (
            "person_id_not_null",
            "INSERT INTO truth.people SELECT * REPLACE (NULL AS person_id, NULL AS member_id) "
            "FROM truth.people WHERE person_id = 4",
        ),
        ("member_id_foreign_key", "UPDATE truth.people SET member_id = 99 WHERE person_id = 4"),
        ("member_id_unique", "UPDATE truth.people SET member_id = 1 WHERE person_id = 4"),
    ],
    "truth.educations": [
        (
            "key_unique",
            "INSERT INTO truth.educations VALUES (1, 'Universiteit Utrecht', 'WO', NULL, 'law', NULL, NULL)",
        ),
        ("person_id_not_null", "UPDATE truth.educations SET person_id = NULL WHERE person_id = 4"),
        (
            "person_id_foreign_key",
            "INSERT INTO truth.educations VALUES (99, 'Universiteit Utrecht', 'WO', NULL, 'law', NULL, NULL)",
        ),
        ("mbo_level_only_for_mbo", "UPDATE truth.educations SET mbo_level = 3 WHERE person_id = 4"),
    ],
    "truth.positions": [
        (
            "key_unique",
            "INSERT INTO truth.positions SELECT * REPLACE (3 AS person_id) FROM truth.positions "
            "WHERE position_id = 1002",
        ),
        (
            "position_id_not_null",
            "INSERT INTO truth.positions SELECT * REPLACE (NULL AS position_id, 3 AS person_id) "
            "FROM truth.positions WHERE position_id = 1002",
        ),
        ("person_id_not_null", "UPDATE truth.positions SET person_id = NULL WHERE position_id = 1002"),
        ("person_id_foreign_key", "UPDATE truth.positions SET person_id = 99 WHERE position_id = 1002"),
        ("company_id_not_null", "UPDATE truth.positions SET company_id = NULL WHERE position_id = 1002"),
        ("company_id_foreign_key", "UPDATE truth.positions SET company_id = 99 WHERE position_id = 1002"),
        (
            "no_overlapping_positions",
            "UPDATE truth.positions SET start_date = '2021-01-01' WHERE position_id = 1004",
        ),
        # Dirk enters the labour market in August 1988 and retires in January 2037.
        ("within_working_life", "UPDATE truth.positions SET start_date = '1988-01-01' WHERE position_id = 1003"),
        # Position 1004's wage from February 2021 would then precede the position.
        ("within_working_life", "UPDATE truth.positions SET start_date = '2037-01-01' WHERE position_id = 1004",
         {("truth.wages", "paid_while_held")}),
        (
            "ended_by_retirement",
            "UPDATE truth.positions SET end_date = '2063-01-01', end_reason = 'retirement' WHERE position_id = 1001",
        ),
        ("end_reason_when_ended", "UPDATE truth.positions SET end_reason = 'quit' WHERE position_id = 1002"),
        ("end_reason_when_ended", "UPDATE truth.positions SET end_reason = NULL WHERE position_id = 1000"),
    ],
    "truth.applications": [
        (
            "key_unique",
            "INSERT INTO truth.applications VALUES (1, 3, 1, NULL, 'off_platform', '2020-05-01', false)",
        ),
        (
            "application_id_not_null",
            "INSERT INTO truth.applications VALUES (NULL, 3, 1, NULL, 'off_platform', '2020-05-01', false)",
        ),
        ("person_id_not_null", "UPDATE truth.applications SET person_id = NULL WHERE application_id = 2"),
        ("company_id_not_null", "UPDATE truth.applications SET company_id = NULL WHERE application_id = 2"),
        ("person_id_foreign_key", "UPDATE truth.applications SET person_id = 99 WHERE application_id = 2"),
        ("company_id_foreign_key", "UPDATE truth.applications SET company_id = 99 WHERE application_id = 2"),
        ("posting_id_foreign_key", "UPDATE truth.applications SET posting_id = 999 WHERE application_id = 1"),
        # Bo (person 2) retires in January 2064.
        ("before_retirement", "UPDATE truth.applications SET applied_on = '2064-01-01' WHERE application_id = 1"),
        (
            "posting_only_on_platform",
            "UPDATE truth.applications SET posting_id = 100 WHERE application_id = 2",
        ),
    ],
    "truth.parameters": [
        ("key_unique", "INSERT INTO truth.parameters VALUES ('unreported_change_share', '', 0.3)"),
        ("name_not_null", "INSERT INTO truth.parameters VALUES (NULL, '', 0.3)"),
        ("key_not_null", "UPDATE truth.parameters SET key = NULL WHERE name = 'unreported_change_share'"),
    ],
    "metrics.location_panel": [
        (
            "key_unique",
            "INSERT INTO metrics.location_panel VALUES ('truth', 2020, 1, 'ICT', 'Zwolle', 'Zwolle')",
        ),
    ],
    "metrics.hires": [
        ("key_unique", "INSERT INTO metrics.hires SELECT * FROM metrics.hires WHERE grain = 'month'"),
        ("employment_identity", "UPDATE metrics.hires SET employment_change = 5 WHERE grain = 'month'"),
        ("quits_within_separations", "UPDATE metrics.hires SET quits = 9 WHERE grain = 'year'"),
        ("quits_within_separations", "UPDATE metrics.hires SET total_quits = 2 WHERE source = 'truth'"),
        ("reasons_truth_only", "UPDATE metrics.hires SET total_quits = 1 WHERE source = 'platform'"),
        ("counts_not_negative", "UPDATE metrics.hires SET employment = -1 WHERE grain = 'year'"),
    ],
    "metrics.education_outcomes": [
        (
            "key_unique",
            "INSERT INTO metrics.education_outcomes SELECT * FROM metrics.education_outcomes "
            "WHERE institution = 'RUG'",
        ),
        (
            "share_within_interval",
            "UPDATE metrics.education_outcomes SET ci_low = 0.25 WHERE institution = 'RUG'",
        ),
        (
            "share_within_interval",
            "UPDATE metrics.education_outcomes SET managers = 101 WHERE institution = 'all' AND source = 'truth'",
        ),
        ("pay_of_employed_graduates",
         "UPDATE metrics.education_outcomes SET employed_at_horizon = 101 WHERE institution = 'all' AND source = 'truth'"),
        ("pay_of_employed_graduates",
         "UPDATE metrics.education_outcomes SET median_yearly_pay = NULL WHERE institution = 'RUG'"),
        ("pay_truth_only", "UPDATE metrics.education_outcomes SET median_yearly_pay = 40000.0 WHERE source = 'platform'"),
    ],
    "metrics.institution_comparison": [
        (
            "key_unique",
            "INSERT INTO metrics.institution_comparison SELECT * FROM metrics.institution_comparison",
        ),
        ("pairs_once_in_order", "UPDATE metrics.institution_comparison SET institution_a = 'VU'"),
    ],
    "metrics.it_talent_regions": [
        (
            "key_unique",
            "INSERT INTO metrics.it_talent_regions SELECT * FROM metrics.it_talent_regions "
            "WHERE city = 'Utrecht'",
        ),
        ("net_identity", "UPDATE metrics.it_talent_regions SET ict_net = 5 WHERE city = 'Amsterdam'"),
        ("rank_1_per_year", "UPDATE metrics.it_talent_regions SET rank_by_net = 3 WHERE city = 'Amsterdam'"),
    ],
    "metrics.skills_genome": [
        (
            "key_unique",
            "INSERT INTO metrics.skills_genome SELECT * FROM metrics.skills_genome WHERE skill = 'sql'",
        ),
        ("rank_within_50", "UPDATE metrics.skills_genome SET rank = 51 WHERE skill = 'sql'"),
        ("tf_within_bounds", "UPDATE metrics.skills_genome SET tf = 1.5 WHERE skill = 'sql'"),
    ],
    "metrics.skill_penetration": [
        ("key_unique", "INSERT INTO metrics.skill_penetration SELECT * FROM metrics.skill_penetration"),
        ("penetration_within_bounds", "UPDATE metrics.skill_penetration SET member_penetration = 1.2"),
    ],
    "metrics.platform_attribution": [
        (
            "key_unique",
            "INSERT INTO metrics.platform_attribution SELECT * FROM metrics.platform_attribution "
            "WHERE source = 'truth'",
        ),
        (
            "shares_within_bounds",
            "UPDATE metrics.platform_attribution SET attributed_share = 1.5 WHERE source = 'platform'",
        ),
        (
            "attributed_within_hires",
            "UPDATE metrics.platform_attribution SET attributed_hires = 9 WHERE source = 'platform'",
        ),
    ],
    "metrics.skills_based_hiring": [
        (
            "key_unique",
            "INSERT INTO metrics.skills_based_hiring SELECT * FROM metrics.skills_based_hiring "
            "WHERE category = 'pedigree'",
        ),
        (
            "measure_and_category_known",
            "UPDATE metrics.skills_based_hiring SET category = 'import' WHERE category = 'assessment'",
        ),
        (
            # Still adding up to the total, with the right shares: only the sign is wrong.
            "counts_not_negative",
            "UPDATE metrics.skills_based_hiring SET count = CASE category WHEN 'self' THEN 2 ELSE -1 END, "
            "share = CASE category WHEN 'self' THEN 1.0 ELSE -0.5 END "
            "WHERE category IN ('self', 'assessment')",
        ),
        (
            "share_identity",
            "UPDATE metrics.skills_based_hiring SET share = 0.6 WHERE category = 'skill_filter'",
        ),
        (
            "parts_add_up",
            "UPDATE metrics.skills_based_hiring SET count = 2, share = 1.0 "
            "WHERE category = 'no_skill_filter'",
        ),
        (
            "hire_measures_consistent",
            "UPDATE metrics.skills_based_hiring SET count = 1, share = 1.0 "
            "WHERE category = 'skills_at_least_2'",
        ),
    ],
    "metrics.vacancies": [
        (
            "key_unique",
            "INSERT INTO metrics.vacancies SELECT * FROM metrics.vacancies WHERE source = 'truth'",
        ),
        (
            "counts_not_negative",
            "UPDATE metrics.vacancies SET postings_opened = -1 WHERE period = '2020-04-01'",
        ),
        ("tightness_identity", "UPDATE metrics.vacancies SET tightness = 2.0 WHERE source = 'truth'"),
        ("tightness_identity", "UPDATE metrics.vacancies SET tightness = NULL WHERE grain = 'year'"),
        (
            "applicants_within_applications",
            "UPDATE metrics.vacancies SET active_applicants = 2.0, tightness = 0.5 WHERE source = 'truth'",
        ),
        ("fills_only_on_platform", "UPDATE metrics.vacancies SET postings_filled = 0 WHERE source = 'truth'"),
        (
            "fills_only_on_platform",
            "UPDATE metrics.vacancies SET median_months_to_fill = NULL WHERE period = '2020-04-01'",
        ),
        (
            "fills_only_on_platform",
            "UPDATE metrics.vacancies SET mean_months_to_fill = -1.0 WHERE period = '2020-04-01'",
        ),
        (
            "segments_add_up",
            "UPDATE metrics.vacancies SET applications = 2 "
            "WHERE grain = 'month' AND occupation_family = 'ICT' AND city = 'Utrecht'",
        ),
        (
            "segments_add_up",
            "UPDATE metrics.vacancies SET active_openings = 3.0, tightness = 12.0 "
            "WHERE grain = 'year' AND city = 'Utrecht'",
        ),
        (
            "openings_match_hires",
            "UPDATE metrics.hires SET job_openings = 3.0 WHERE source = 'platform' AND grain = 'year'",
        ),
        ("openings_match_hires", "DELETE FROM metrics.vacancies WHERE grain = 'year'"),
    ],
    "metrics.company_insights": [
        (
            # A second row for company 2 that adds nothing: only the key is broken.
            "key_unique",
            "INSERT INTO metrics.company_insights SELECT * REPLACE (0 AS hires, 0 AS leavers, "
            "0.0 AS attrition) FROM metrics.company_insights WHERE company_id = 2",
        ),
        (
            "company_id_foreign_key",
            "UPDATE metrics.company_insights SET company_id = 99 WHERE company_id = 2",
        ),
        (
            "counts_not_negative",
            "UPDATE metrics.company_insights SET promotions_to_management = -1 WHERE company_id = 2",
        ),
        (
            "headcount_identity",
            "UPDATE metrics.company_insights SET headcount_end = 13, average_headcount = 11.5, "
            "growth = 0.3, attrition = 2 / 11.5 WHERE company_id = 1",
        ),
        ("ratio_identities", "UPDATE metrics.company_insights SET attrition = 0.5 WHERE company_id = 1"),
        ("ratio_identities", "UPDATE metrics.company_insights SET growth = NULL WHERE company_id = 1"),
        (
            "flows_within_totals",
            "UPDATE metrics.company_insights SET management_hires = 5 WHERE company_id = 1",
        ),
        (
            "flows_within_totals",
            "UPDATE metrics.company_insights SET top_source_company_id = NULL, "
            "top_source_hires = NULL WHERE company_id = 1",
        ),
        (
            "flows_within_totals",
            "UPDATE metrics.company_insights SET top_destination_industry_leavers = 2 WHERE company_id = 1",
        ),
        (
            "tenure_only_with_headcount",
            "UPDATE metrics.company_insights SET median_tenure_years = NULL WHERE company_id = 2",
        ),
        (
            "hires_match_metrics_hires",
            "UPDATE metrics.hires SET hires = 6 WHERE source = 'platform' AND grain = 'year'",
            {("metrics.job_change_rate", "job_change_rate_hires_are_metrics_hires")},
        ),
    ],
    "metrics.posting_insights": [
        (
            "key_unique",
            "INSERT INTO metrics.posting_insights SELECT * FROM metrics.posting_insights "
            "WHERE posting_id = 101",
        ),
        (
            "posting_id_foreign_key",
            "UPDATE metrics.posting_insights SET posting_id = 999 WHERE posting_id = 101",
        ),
        (
            "counts_not_negative",
            "UPDATE metrics.posting_insights SET required_skills = -1 WHERE posting_id = 101",
        ),
        ("applicants_within_views", "UPDATE metrics.posting_insights SET views = 0 WHERE posting_id = 100"),
        (
            "education_shares_add_up",
            "UPDATE metrics.posting_insights SET wo_share = 0.5 WHERE posting_id = 100",
        ),
        (
            "education_shares_add_up",
            "UPDATE metrics.posting_insights SET vo_share = 0.0 WHERE posting_id = 101",
        ),
        (
            "skill_shares_consistent",
            "UPDATE metrics.posting_insights SET all_skills_share = 0.5 WHERE posting_id = 100",
        ),
        (
            "skill_shares_consistent",
            "UPDATE metrics.posting_insights SET applicants_with_all_skills = NULL WHERE posting_id = 101",
        ),
        (
            "hire_times_for_platform_hires",
            "UPDATE metrics.posting_insights SET months_to_hire = 3 WHERE posting_id = 100",
        ),
        (
            "hire_times_for_platform_hires",
            "UPDATE metrics.posting_insights SET months_to_fill = 1, months_to_hire = 0 "
            "WHERE posting_id = 101",
        ),
    ],
    "metrics.monthly_stocks": [
        ("key_unique", "INSERT INTO metrics.monthly_stocks VALUES ('truth', '2020-01-01', 2020, 3, 4)"),
        (
            "counts_not_negative",
            "UPDATE metrics.monthly_stocks SET employed = -1 WHERE source = 'truth'",
            {("metrics.labour_force", "labour_force_matches_monthly_stocks")},
        ),
    ],
    "metrics.labour_force": [
        (
            "key_unique",
            "INSERT INTO metrics.labour_force SELECT * FROM metrics.labour_force WHERE grain = 'year' AND age_band = '25-34' AND education_level = 'HBO'",
            {"bands_and_levels_add_up"},
        ),
        (
            "counts_not_negative",
            "UPDATE metrics.labour_force SET inactive = -1, unemployed = 3 WHERE grain = 'year' AND age_band = '25-34' AND education_level = 'HBO'",
        ),
        (
            "states_add_up_to_the_population",
            "UPDATE metrics.labour_force SET inactive = 2 WHERE grain = 'year' AND age_band = '25-34' AND education_level = 'HBO'",
        ),
        ("rates_are_percentages", "UPDATE metrics.labour_force SET unemployment_rate = 101 WHERE grain = 'year' AND age_band = '25-34' AND education_level = 'HBO'"),
        ("rates_are_percentages", "UPDATE metrics.labour_force SET participation_rate = -1 WHERE grain = 'year' AND age_band = '25-34' AND education_level = 'HBO'"),
        (
            "bands_and_levels_add_up",
            "UPDATE metrics.labour_force SET employed = 2, unemployed = 2 "
            "WHERE grain = 'year' AND age_band = 'all' AND education_level = 'all'",
        ),
        ("labour_force_matches_monthly_stocks", "DELETE FROM metrics.labour_force WHERE grain = 'month'"),
    ],
    "metrics.stale_profiles": [
        (
            "key_unique",
            "INSERT INTO metrics.stale_profiles SELECT * FROM metrics.stale_profiles WHERE age_band = '25-34'",
            {"age_bands_add_up"},
        ),
        ("counts_not_negative",
         "UPDATE metrics.stale_profiles SET without_work = -1, employed = 2, retired = 1 WHERE age_band = '25-34'",
         {"age_bands_add_up"}),
        ("shown_employed_partitioned", "UPDATE metrics.stale_profiles SET retired = 3 WHERE age_band = '65-74'",
         {"age_bands_add_up"}),
        ("shown_employed_partitioned", "UPDATE metrics.stale_profiles SET employed = 3 WHERE age_band = '65-74'",
         {"age_bands_add_up"}),
        ("shares_within_bounds", "UPDATE metrics.stale_profiles SET stale_share = 1.2 WHERE age_band = 'all'"),
        ("shares_within_bounds", "UPDATE metrics.stale_profiles SET retired_share = -0.1 WHERE age_band = 'all'"),
        ("age_bands_add_up", "UPDATE metrics.stale_profiles SET members_employed = 4 WHERE age_band = 'all'"),
        ("current_profiles_among_shown",
         "UPDATE metrics.stale_profiles SET shown_current = 3, current_stale_share = 0.0 WHERE age_band = '25-34'",
         {"age_bands_add_up"}),
        ("shares_within_bounds",
         "UPDATE metrics.stale_profiles SET current_stale_share = 1.5 WHERE age_band = '65-74'"),
    ],
    "truth.student_jobs": [
        (
            "key_unique",
            "INSERT INTO truth.student_jobs VALUES (5, 1, 'HBO', '2020-09-01', '2020-10-01')",
            {("truth.student_jobs", "one_side_job_at_a_time")},
        ),
        ("person_id_not_null", "UPDATE truth.student_jobs SET person_id = NULL WHERE person_id = 5"),
        ("start_date_not_null", "UPDATE truth.student_jobs SET start_date = NULL WHERE person_id = 5"),
        ("person_id_foreign_key", "UPDATE truth.student_jobs SET person_id = 99 WHERE person_id = 5"),
        ("company_id_not_null", "UPDATE truth.student_jobs SET company_id = NULL WHERE person_id = 5"),
        ("company_id_foreign_key", "UPDATE truth.student_jobs SET company_id = 99 WHERE person_id = 5"),
        (
            "one_side_job_at_a_time",
            "INSERT INTO truth.student_jobs VALUES (5, 1, 'VO', '2020-03-01', '2020-10-01')",
        ),
        ("ended_by_graduation", "UPDATE truth.student_jobs SET end_date = '2021-09-01' WHERE person_id = 5"),
    ],
    "truth.residences": [
        (
            "key_unique",
            "INSERT INTO truth.residences VALUES (2, 'Amsterdam', '2020-01-01', '2020-02-01')",
            {"one_residence_at_a_time"},
        ),
        ("person_id_not_null", "UPDATE truth.residences SET person_id = NULL WHERE person_id = 4"),
        ("start_date_not_null", "UPDATE truth.residences SET start_date = NULL WHERE person_id = 4"),
        ("person_id_foreign_key", "UPDATE truth.residences SET person_id = 99 WHERE person_id = 4"),
        (
            "one_residence_at_a_time",
            "UPDATE truth.residences SET start_date = '2020-06-01' WHERE person_id = 1 AND city = 'Almere'",
        ),
        # A residence still current (NULL end) beside a later one.
        (
            "one_residence_at_a_time",
            "UPDATE truth.residences SET end_date = NULL WHERE person_id = 1 AND city = 'Utrecht'",
        ),
    ],
    "raw.profile_locations": [
        ("key_unique", "INSERT INTO raw.profile_locations VALUES (2, 'Delft', '2020-03-01')"),
        ("member_id_not_null", "UPDATE raw.profile_locations SET member_id = NULL WHERE member_id = 3"),
        ("set_on_not_null", "UPDATE raw.profile_locations SET set_on = NULL WHERE member_id = 3"),
        ("member_id_foreign_key", "UPDATE raw.profile_locations SET member_id = 99 WHERE member_id = 3"),
        # Bo joined in March 2020.
        ("set_not_before_joining", "UPDATE raw.profile_locations SET set_on = '2020-02-01' WHERE member_id = 2"),
    ],
    "truth.wages": [
        ("key_unique", "INSERT INTO truth.wages VALUES (1000, 1, '2020-01-01', 4100.0)"),
        ("position_id_not_null", f"UPDATE truth.wages SET position_id = NULL WHERE {_LAST_WAGE_OF_1002}"),
        ("position_id_foreign_key", f"UPDATE truth.wages SET position_id = 99 WHERE {_LAST_WAGE_OF_1002}"),
        ("person_id_not_null", f"UPDATE truth.wages SET person_id = NULL WHERE {_LAST_WAGE_OF_1002}"),
        ("person_id_foreign_key", f"UPDATE truth.wages SET person_id = 99 WHERE {_LAST_WAGE_OF_1002}"),
        ("effective_from_not_null", f"UPDATE truth.wages SET effective_from = NULL WHERE {_LAST_WAGE_OF_1002}"),
        # Position 1002 starts in April 2020.
        ("paid_while_held", "UPDATE truth.wages SET effective_from = '2020-03-01' WHERE position_id = 1002 "
         "AND effective_from = '2020-04-01'"),
    ],
    "raw.salary_reports": [
        ("key_unique", "INSERT INTO raw.salary_reports VALUES (1, 2, 'Analyst', 'junior', 'Utrecht', 1, '2021-03-01')"),
        ("report_id_not_null", "UPDATE raw.salary_reports SET report_id = NULL WHERE report_id = 2"),
        ("member_id_not_null", "UPDATE raw.salary_reports SET member_id = NULL WHERE report_id = 2"),
        ("member_id_foreign_key", "UPDATE raw.salary_reports SET member_id = 99 WHERE report_id = 2"),
        # Member 2 joined in March 2020.
        ("reported_not_before_joining", "UPDATE raw.salary_reports SET reported_on = '2020-02-01' WHERE report_id = 2"),
        # An retires in January 2062 (the dbt rule checks the order of dates, not the window).
        ("reported_before_retirement", "UPDATE raw.salary_reports SET reported_on = '2062-01-01' WHERE report_id = 1"),
    ],
    "truth.employers": [
        ("key_unique", "INSERT INTO truth.employers VALUES (1, 0.0)"),
        ("company_id_not_null", "UPDATE truth.employers SET company_id = NULL WHERE company_id = 2"),
        ("company_id_foreign_key", "UPDATE truth.employers SET company_id = 99 WHERE company_id = 2"),
    ],
    "metrics.salary_insights": [
        ("key_unique", "INSERT INTO metrics.salary_insights SELECT * FROM metrics.salary_insights WHERE reports = 1"),
        ("intervals_hold_the_median", "UPDATE metrics.salary_insights SET ci_low = 55000.0 WHERE reports = 12"),
        ("intervals_only_for_supported_cells", "UPDATE metrics.salary_insights SET ci_low = 1.0 WHERE reports = 1"),
        ("status_follows_the_reports", "UPDATE metrics.salary_insights SET reports = 9 WHERE reports = 12"),
        ("supported_estimate_is_the_median", "UPDATE metrics.salary_insights SET estimate = 53000.0 WHERE reports = 12"),
        ("shrunk_estimate_between_cell_and_parent",
         "UPDATE metrics.salary_insights SET estimate = 37000.0 WHERE reports = 1"),
        ("quartiles_in_order", "UPDATE metrics.salary_insights SET p25_salary = 55000.0 WHERE reports = 12"),
        ("counts_not_negative", "UPDATE metrics.salary_insights SET truth_person_years = -1 WHERE reports = 1"),
    ],
    "metrics.salary_estimates": [
        ("key_unique", "INSERT INTO metrics.salary_estimates VALUES "
         "(2021, 'profile_employer', 'no job', 0, 0, NULL, NULL, NULL, NULL)"),
        # The totals stay: 'never' takes the member of 'in the model', not its estimate.
        ("estimated_among_members",
         "UPDATE metrics.salary_estimates SET members = members + 1 WHERE segment = 'never'",
         "UPDATE metrics.salary_estimates SET members = 0 WHERE segment = 'in the model'"),
        ("segments_add_up", "UPDATE metrics.salary_estimates SET members = 5 WHERE segment = 'never'"),
        ("absolute_error_bounds_the_bias", "UPDATE metrics.salary_estimates SET median_error = -0.2 WHERE dimension = 'all'"),
        ("shares_nest", "UPDATE metrics.salary_estimates SET within_25_percent = 0.4 WHERE dimension = 'all'"),
        # The totals stay: 'no job' takes an estimate of 'true employer'.
        ("no_estimate_without_a_profile_job",
         "UPDATE metrics.salary_estimates SET estimated = 1 WHERE segment = 'no job'",
         "UPDATE metrics.salary_estimates SET estimated = 1 WHERE segment = 'true employer'"),
    ],
    "metrics.wage_growth_tracker": [
        # A second row for a month is a fourth row in three months as well.
        ("key_unique", "INSERT INTO metrics.wage_growth_tracker SELECT * FROM metrics.wage_growth_tracker "
         "WHERE month = '2021-01-01'", {"months_contiguous"}),
        ("months_contiguous", "UPDATE metrics.wage_growth_tracker SET month = '2021-05-01' WHERE month = '2021-03-01'"),
        ("stayers_and_switchers_make_everyone",
         "UPDATE metrics.wage_growth_tracker SET people = 4 WHERE month = '2021-01-01'"),
        ("premium_is_the_difference",
         "UPDATE metrics.wage_growth_tracker SET switcher_premium_3m = 2.0 WHERE month = '2021-03-01'"),
        ("median_between_the_groups",
         "UPDATE metrics.wage_growth_tracker SET median_growth = 6.0 WHERE month = '2021-01-01'"),
        ("year_of_the_month", "UPDATE metrics.wage_growth_tracker SET year = 2020 WHERE month = '2021-01-01'"),
        ("counts_not_negative",
         "UPDATE metrics.wage_growth_tracker SET people = 0, stayers = -1 WHERE month = '2021-01-01'"),
    ],
    "metrics.wage_growth": [
        ("key_unique", "INSERT INTO metrics.wage_growth VALUES ('truth', 2021, 3, 2, 1, 2.5, 2.0, 5.0, 3.0)"),
        ("stayers_and_switchers_make_everyone", "UPDATE metrics.wage_growth SET people = 4"),
        ("premium_is_the_difference", "UPDATE metrics.wage_growth SET switcher_premium = 2.0"),
        ("median_between_the_groups", "UPDATE metrics.wage_growth SET median_growth = 6.0"),
        ("counts_not_negative", "UPDATE metrics.wage_growth SET switchers = -1, people = 1"),
    ],
    "metrics.beveridge_curve": [
        ("key_unique", "UPDATE metrics.beveridge_curve SET period = '2020-01-01' WHERE quarter = 2"),
        ("counts_not_negative", "UPDATE metrics.beveridge_curve SET unemployed = -1 WHERE quarter = 1"),
        ("rates_are_percentages", "UPDATE metrics.beveridge_curve SET vacancy_rate = 100.5 WHERE quarter = 1"),
        ("one_row_per_quarter_of_the_window", "DELETE FROM metrics.beveridge_curve WHERE quarter = 4"),
        ("quarters_1_to_4", "UPDATE metrics.beveridge_curve SET quarter = 5 WHERE quarter = 4"),
    ],
    "metrics.job_change_rate": [
        (
            "key_unique",
            "INSERT INTO metrics.job_change_rate SELECT * FROM metrics.job_change_rate WHERE grain = 'month'",
        ),
        ("rates_within_bounds", "UPDATE metrics.job_change_rate SET rate = 1.6 WHERE source = 'platform'"),
        (
            "rates_within_bounds",
            "UPDATE metrics.job_change_rate SET hiring_rate = -0.1 WHERE source = 'platform'",
        ),
        ("counts_not_negative", "UPDATE metrics.job_change_rate SET avg_employed = -1 WHERE grain = 'month'"),
        (
            "job_change_rate_hires_are_metrics_hires",
            "UPDATE metrics.job_change_rate SET hires = 3 WHERE source = 'platform' AND grain = 'year'",
        ),
    ],
    "metrics.talent_flows": [
        (
            "key_unique",
            "INSERT INTO metrics.talent_flows SELECT * FROM metrics.talent_flows WHERE city = 'Utrecht'",
        ),
        ("flow_identity", "UPDATE metrics.talent_flows SET net = net + 1 WHERE city = 'Utrecht'"),
        (
            "flow_identity",
            "UPDATE metrics.talent_flows SET members_end = members_end + 1 WHERE city = 'Utrecht'",
        ),
        (
            "counts_not_negative",
            "UPDATE metrics.talent_flows SET members = -1, members_end = -3 WHERE city = 'Utrecht'",
        ),
    ],
    "metrics.residence_flows": [
        (
            "key_unique",
            "INSERT INTO metrics.residence_flows SELECT * FROM metrics.residence_flows WHERE city = 'Utrecht'",
        ),
        ("flow_identity", "UPDATE metrics.residence_flows SET net = net + 1 WHERE city = 'Utrecht'"),
        ("flow_identity", "UPDATE metrics.residence_flows SET members_end = 2 WHERE city = 'Utrecht'"),
        (
            "counts_not_negative",
            "UPDATE metrics.residence_flows SET members = -1, members_end = -2 WHERE city = 'Utrecht'",
        ),
    ],
    "metrics.commuting": [
        (
            "key_unique",
            "INSERT INTO metrics.commuting SELECT * FROM metrics.commuting WHERE work_city = 'Utrecht'",
            {"cities_add_up"},
        ),
        ("cities_add_up", "UPDATE metrics.commuting SET employed = 4, commuters = 3 WHERE work_city = 'all'"),
        ("cities_add_up", "DELETE FROM metrics.commuting WHERE work_city = 'all'"),
        (
            "everybody_lives_somewhere",
            "UPDATE metrics.commuting SET commuters = 1 WHERE work_city = 'Amsterdam'",
            {"cities_add_up"},
        ),
        (
            "share_is_a_percentage",
            "UPDATE metrics.commuting SET live_in_work_city_pct = 150.0 WHERE work_city = 'Utrecht'",
        ),
    ],
    "metrics.talent_flows_od": [
        (
            "key_unique",
            "INSERT INTO metrics.talent_flows_od VALUES ('truth', 2020, 'Utrecht', 'Amsterdam', 'all', 0)",
        ),
        (
            "movers_match_departures",
            "UPDATE metrics.talent_flows_od SET movers = 2 WHERE origin_city = 'Utrecht'",
        ),
        ("movers_match_departures", "DELETE FROM metrics.talent_flows_od WHERE origin_city = 'Amsterdam'"),
        (
            "counts_not_negative",
            "UPDATE metrics.talent_flows_od SET movers = 4 WHERE origin_city = 'Utrecht'",
            "INSERT INTO metrics.talent_flows_od VALUES ('truth', 2020, 'Utrecht', 'Zwolle', 'all', -1)",
        ),
    ],
    "metrics.skill_demand": [
        ("key_unique", "INSERT INTO metrics.skill_demand VALUES (2021, 'sql', 1, 1.0, 1, 0.0, 1.0)"),
        (
            "shares_within_bounds",
            "UPDATE metrics.skill_demand SET share_of_postings = 1.2 WHERE skill = 'sql' AND year = 2020",
        ),
        (
            "counts_not_negative",
            "UPDATE metrics.skill_demand SET postings = -1 WHERE skill = 'sql' AND year = 2020",
        ),
        ("rank_1_per_year", "UPDATE metrics.skill_demand SET rank = 2 WHERE year = 2021"),
    ],
    "metrics.skills_added": [
        ("key_unique", "INSERT INTO metrics.skills_added VALUES ('platform', 2021, 1, NULL, 2.5, 0.4, NULL)"),
        ("counts_not_negative", "UPDATE metrics.skills_added SET skills_per_member = -0.4 WHERE year = 2021"),
    ],
    "metrics.school_leavers": [
        ("key_unique", "INSERT INTO metrics.school_leavers SELECT * FROM metrics.school_leavers WHERE source = 'platform'"),
        ("mbo_levels_add_up_to_mbo", "UPDATE metrics.school_leavers SET graduates = 2 WHERE qualification = 'MBO 4'"),
        ("qualification_within_level", "UPDATE metrics.school_leavers SET qualification = 'WO' WHERE source = 'platform'"),
        ("counts_nested", "UPDATE metrics.school_leavers SET employees_paid = 2 WHERE source = 'truth'"),
        ("share_is_the_ratio", "UPDATE metrics.school_leavers SET without_job_share = 0.5 WHERE source = 'platform'"),
        ("share_within_bounds", "UPDATE metrics.school_leavers SET without_job_share = 1.5 WHERE source = 'platform'",
         {("metrics.school_leavers", "share_is_the_ratio")}),
        ("wage_quartiles_in_order",
         "UPDATE metrics.school_leavers SET hourly_wage_p25 = 13.0 WHERE qualification = 'MBO 4'"),
        ("wages_only_in_the_truth",
         "UPDATE metrics.school_leavers SET hourly_wage_median = 10.0 WHERE source = 'platform'"),
        ("counts_not_negative", "UPDATE metrics.school_leavers SET hourly_wage_p25 = -1.0 WHERE qualification = 'MBO 4'"),
    ],
    "metrics.time_to_first_job": [
        (
            "key_unique",
            "INSERT INTO metrics.time_to_first_job SELECT * FROM metrics.time_to_first_job "
            "WHERE source = 'truth'",
        ),
        (
            "shares_within_bounds",
            "UPDATE metrics.time_to_first_job SET employed_12m_share = 1.1 WHERE source = 'truth'",
        ),
        (
            "median_between_quartiles",
            "UPDATE metrics.time_to_first_job SET median_months = 1 WHERE source = 'truth'",
        ),
        (
            "median_between_quartiles",
            "UPDATE metrics.time_to_first_job SET median_months = 13 WHERE source = 'truth'",
        ),
        ("counts_not_negative", "UPDATE metrics.time_to_first_job SET censored = -1 WHERE source = 'truth'"),
        (
            "censored_within_graduates",
            "UPDATE metrics.time_to_first_job SET censored = 11 WHERE source = 'truth'",
        ),
    ],
    "metrics.population_margins": [
        (
            "key_unique",
            "INSERT INTO metrics.population_margins VALUES ('graduates', 2020, 'education_level', 'HBO', 0)",
        ),
        (
            "counts_not_negative",
            "UPDATE metrics.population_margins SET people = -1 WHERE population = 'graduates'",
        ),
        (
            "dimensions_add_up",
            "INSERT INTO metrics.population_margins VALUES ('graduates', 2020, 'city', 'Utrecht', 2)",
        ),
    ],
    "metrics.raking_weights": [
        ("key_unique", "INSERT INTO metrics.raking_weights VALUES (2020, 'WO', 'ICT', 'Utrecht', 1, 0.0)"),
        (
            "counts_not_negative",
            "INSERT INTO metrics.raking_weights VALUES (2020, 'WO', 'Finance', 'Amsterdam', -1, 0.0)",
        ),
        (
            # Four cells whose contributions cancel in every margin: only the sign is wrong.
            "weights_not_negative",
            "INSERT INTO metrics.raking_weights VALUES (2020, 'WO', 'ICT', 'Amsterdam', 1, -1.0), "
            "(2020, 'VO', 'Finance', 'Utrecht', 1, -1.0), (2020, 'WO', 'Finance', 'Amsterdam', 1, 1.0), "
            "(2020, 'VO', 'ICT', 'Utrecht', 1, 1.0)",
        ),
        ("margins_match", "UPDATE metrics.raking_weights SET weight = 1.5 WHERE city = 'Utrecht'"),
    ],
    "metrics.coverage": [
        (
            # A second VO row that adds nothing: only the key is broken.
            "key_unique",
            "INSERT INTO metrics.coverage "
            "SELECT * REPLACE (0 AS workforce, 0 AS members, 0 AS eventual_members) "
            "FROM metrics.coverage WHERE segment = 'VO'",
        ),
        ("not_null_coverage_segment", "UPDATE metrics.coverage SET segment = NULL WHERE segment = 'VO'"),
        (
            "counts_not_negative",
            "UPDATE metrics.coverage SET members = CASE segment WHEN 'VO' THEN -1 ELSE 2 END "
            "WHERE dimension = 'education_level'",
        ),
        ("shares_within_bounds", "UPDATE metrics.coverage SET coverage = 1.5 WHERE segment = 'WO'"),
        ("members_within_workforce", "UPDATE metrics.coverage SET eventual_members = 0 WHERE segment = 'WO'"),
        ("segments_add_up", "UPDATE metrics.coverage SET workforce = 5 WHERE segment = 'WO'"),
    ],
    "metrics.platform_vs_truth": [
        (
            "key_unique",
            "INSERT INTO metrics.platform_vs_truth SELECT * FROM metrics.platform_vs_truth "
            "WHERE segment = 'Utrecht'",
        ),
        (
            "not_null_platform_vs_truth_metric",
            "UPDATE metrics.platform_vs_truth SET metric = NULL WHERE segment = 'Utrecht'",
        ),
        (
            "error_identities",
            "UPDATE metrics.platform_vs_truth SET error = 0.3 WHERE metric = 'job_change_rate'",
        ),
        (
            "error_identities",
            "UPDATE metrics.platform_vs_truth SET relative_error = NULL WHERE segment = 'Utrecht'",
        ),
        (
            "figures_within_bounds",
            "UPDATE metrics.platform_vs_truth SET platform = 1.2 WHERE metric = 'employed_6m_share'",
        ),
        ("counts_not_negative", "UPDATE metrics.platform_vs_truth SET platform_base = -1"),
    ],
    "metrics.corrected_estimates": [
        (
            "key_unique",
            "INSERT INTO metrics.corrected_estimates SELECT * FROM metrics.corrected_estimates "
            "WHERE metric = 'net_talent_migration_per_10k'",
        ),
        (
            "not_null_corrected_estimates_segment",
            "UPDATE metrics.corrected_estimates SET segment = NULL "
            "WHERE metric = 'net_talent_migration_per_10k'",
        ),
        (
            "error_identities",
            "UPDATE metrics.corrected_estimates SET corrected_error = 0.0 "
            "WHERE metric = 'job_changes_per_employed'",
        ),
        (
            "shares_add_up",
            "UPDATE metrics.corrected_estimates SET corrected = 0.7, corrected_error = 0.2, "
            "corrected_relative_error = 0.4 WHERE segment = 'Utrecht|ICT'",
        ),
        ("counts_not_negative", "UPDATE metrics.corrected_estimates SET truth_base = -2"),
    ],
    "metrics.reporting_lag": [
        (
            # Without a share: the running sum is the same in either order of the two rows.
            "key_unique",
            "INSERT INTO metrics.reporting_lag VALUES (1, 0, NULL, NULL, '2016-01-01', '2017-12-01')",
        ),
        (
            "not_null_reporting_lag_lag_months",
            "UPDATE metrics.reporting_lag SET lag_months = NULL WHERE lag_months = 0",
            {"completion_is_cumulative"},  # the running sum follows lag_months
        ),
        ("counts_not_negative", "UPDATE metrics.reporting_lag SET job_changes = -1 WHERE lag_months = 2"),
        (
            # Still a running sum, but not of shares.
            "shares_within_bounds",
            "UPDATE metrics.reporting_lag SET share = CASE lag_months WHEN 0 THEN 1.25 WHEN 1 THEN -0.5 "
            "ELSE share END, completion = CASE lag_months WHEN 0 THEN 1.25 ELSE completion END",
        ),
        (
            "completion_is_cumulative",
            "UPDATE metrics.reporting_lag SET completion = 0.9 WHERE lag_months = 1",
        ),
    ],
    "metrics.network": [
        (
            "key_unique",
            "INSERT INTO metrics.network SELECT * FROM metrics.network "
            "WHERE year = 2021 AND source = 'truth'",
        ),
        (
            "not_null_network_source",
            "UPDATE metrics.network SET source = NULL WHERE source = 'truth' AND year = 2020",
        ),
        ("counts_not_negative", "UPDATE metrics.network SET matched_hires = -1 WHERE year = 2021"),
        ("shares_within_bounds", "UPDATE metrics.network SET connected_hire_share = 1.5 WHERE year = 2020"),
        (
            "connections_add_up",
            "UPDATE metrics.network SET connections_formed = 1 WHERE year = 2021 AND source = 'truth'",
        ),
        ("degree_identity", "UPDATE metrics.network SET mean_degree = 1.5 WHERE year = 2021"),
        ("degree_identity", "UPDATE metrics.network SET mean_degree = NULL WHERE year = 2020"),
        ("connected_within_hires", "UPDATE metrics.network SET connected_hires = 3 WHERE year = 2020"),
        ("totals_match_the_tables", "DELETE FROM raw.connections WHERE member_a = 2"),
        (
            "totals_match_the_tables",
            "UPDATE metrics.network SET members = 4, mean_degree = 1.5 "
            "WHERE year = 2021 AND source = 'platform'",
        ),
    ],
    "metrics.nowcast": [
        (
            "key_unique",
            "INSERT INTO metrics.nowcast SELECT * FROM metrics.nowcast WHERE month = '2021-11-01'",
        ),
        (
            "counts_not_negative",
            "UPDATE metrics.nowcast SET months_before_cutoff = -1 WHERE month = '2021-12-01'",
        ),
        ("shares_within_bounds", "UPDATE metrics.nowcast SET estimated_undercount = 1.2"),
        (
            "nowcast_identity",
            "UPDATE metrics.nowcast SET nowcast_job_changes = 5.0 WHERE month = '2021-11-01'",
        ),
        (
            "reported_matches_job_change_rate",
            "UPDATE metrics.nowcast SET reported_job_changes = 5, nowcast_job_changes = 9.0 "
            "WHERE month = '2021-11-01'",
        ),
        (
            "reported_matches_job_change_rate",
            "DELETE FROM metrics.job_change_rate WHERE source = 'platform' AND grain = 'month'",
        ),
    ],
}

# Generated corruptions change the first row of the metric, or the row these select: one
# whose change breaks no rule that groups or sums by the column.
GENERATED_ROW = {
    "metrics.labour_force": "grain = 'year' AND age_band = '25-34' AND education_level = 'HBO'",
    "metrics.population_margins": "population = 'graduates'",
    "metrics.skill_demand": "year = 2021",
    "metrics.vacancies": "source = 'truth'",
    "metrics.school_leavers": "source = 'platform'",
}
_BY_SOURCE_AND_YEAR = ("source", "accepted_values(source)", "year")
# A NULL or unknown value in these columns takes the row out of the groups other rules sum
# or rank by, whatever the row: those rules fail too.
GENERATED_ALSO_FAILING: dict[tuple[str, str], set] = {
    **{("metrics.company_insights", c): {"hires_match_metrics_hires"} for c in _BY_SOURCE_AND_YEAR},
    **{("metrics.coverage", c): {"segments_add_up"} for c in ("year", "dimension")},
    # Every commuting row is a part of its year's total, or the total.
    **{("metrics.commuting", c): {"cities_add_up"} for c in (*_BY_SOURCE_AND_YEAR, "work_city")},
    # Without its month the first row leaves two months spanning one month apart.
    ("metrics.wage_growth_tracker", "month"): {"months_contiguous"},
    # The first row is the total the segments add up to.
    **{
        ("metrics.salary_estimates", c): {"segments_add_up"}
        for c in ("year", "dimension", "accepted_values(dimension)")
    },
    **{("metrics.it_talent_regions", c): {"rank_1_per_year"} for c in _BY_SOURCE_AND_YEAR},
    ("metrics.network", "accepted_values(source)"): {"totals_match_the_tables"},
    # The platform's row: an unknown source has wages neither side allows, an unknown level or
    # qualification no longer pairs the two.
    ("metrics.school_leavers", "accepted_values(source)"): {"wages_only_in_the_truth"},
    **{("metrics.school_leavers", c): {"qualification_within_level"}
       for c in ("accepted_values(level)", "accepted_values(qualification)")},
    # The truth-only columns are set exactly on the rows whose source is 'truth'.
    ("metrics.hires", "accepted_values(source)"): {"reasons_truth_only"},
    **{
        ("metrics.labour_force", c): {"bands_and_levels_add_up"}
        for c in ("grain", "period", "age_band", "education_level", "accepted_values(grain)", "accepted_values(age_band)")
    },
    # The status ties a cell's interval and its report count together.
    ("metrics.salary_insights", "accepted_values(status)"): {"intervals_only_for_supported_cells", "status_follows_the_reports"},
    ("metrics.monthly_stocks", "month"): {("metrics.labour_force", "labour_force_matches_monthly_stocks")},
    ("metrics.nowcast", "month"): {"reported_matches_job_change_rate"},
    **{("metrics.stale_profiles", c): {"age_bands_add_up"} for c in ("year", "age_band")},
    **{
        ("metrics.raking_weights", c): {"margins_match"}
        for c in ("year", "education_level", "occupation_family", "city")
    },
    **{("metrics.skills_based_hiring", c): {"hire_measures_consistent"} for c in _BY_SOURCE_AND_YEAR},
    **{
        ("metrics.skills_based_hiring", c): {"hire_measures_consistent", "measure_and_category_known"}
        for c in ("measure", "category")
    },
    **{
        ("metrics.talent_flows", c): {("metrics.talent_flows_od", "movers_match_departures")}
        for c in (*_BY_SOURCE_AND_YEAR, "city", "occupation_family")
    },
    **{
        ("metrics.talent_flows_od", c): {"movers_match_departures"}
        for c in (*_BY_SOURCE_AND_YEAR, "origin_city", "occupation_family")
    },
}


# --------------------------------------------------------------------------------------
# The valid warehouse.
# --------------------------------------------------------------------------------------


def create_valid_warehouse(path) -> None:
    with duckdb.connect(str(path)) as con:
        for schema in ("raw", "truth", "metrics"):
            con.execute(f"CREATE SCHEMA {schema}")
        for table in GENERATED_TABLES:
            columns = ", ".join(f"{c.name} {c.sql_type}" for c in table.columns)
            con.execute(f"CREATE TABLE {table.qualified_name} ({columns})")
        con.execute(
            "CREATE TABLE raw.calendar AS "
            "SELECT CAST(month AS DATE) AS month, CAST(year(month) AS INTEGER) AS year "
            "FROM range(DATE '2020-01-01', DATE '2022-01-01', INTERVAL 1 MONTH) t(month)"
        )
        for name, columns in METRIC_COLUMNS.items():
            con.execute(f"CREATE TABLE metrics.{name} ({columns})")
        con.execute(VALID_ROWS)


@pytest.fixture(scope="session")
def valid_warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("quality") / "valid.duckdb"
    create_valid_warehouse(path)
    return path


def test_fixture_metric_tables_match_the_documented_columns():
    documented = {m.name: list(m.columns) for m in dbt.metrics()}
    fixture = {name: [c.split()[0] for c in cols.split(", ")] for name, cols in METRIC_COLUMNS.items()}
    assert fixture == documented


def test_fixture_metric_tables_have_the_types_the_models_build(con):
    """The little world's metric tables are typed by hand: the types the models give their
    columns on the default run (the session's warehouse), so that a test passing on the
    fixture passes on what dbt builds."""
    built: dict[str, list[str]] = {}
    for table, column, data_type in con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE schema_name = 'metrics' ORDER BY table_name, column_index"
    ).fetchall():
        built.setdefault(table, []).append(f"{column} {data_type}")
    fixture = {name: cols.split(", ") for name, cols in METRIC_COLUMNS.items()}
    assert fixture == {name: built[name] for name in fixture}


# --------------------------------------------------------------------------------------
# The dbt tests as dbt compiles them.
# --------------------------------------------------------------------------------------

GUARDED_SCHEMAS = ("raw", "truth", "metrics")
# Tables a compiled test reads: "db"."schema"."table" from ref() and source(), schema.table
# where a source test names another table.
_TABLE = re.compile(r'"?\b(raw|truth|metrics)"?\."?([a-z_][a-z0-9_]*)\b')
_CHANGED = re.compile(r"\b(?:INSERT INTO|UPDATE|DELETE FROM)\s+([a-z]+\.[a-z_]+)", re.IGNORECASE)
# What dbt selects to run every test of the sources and the metrics.
SELECTION = ["source:*", "path:models/metrics", "path:tests/metrics"]


@dataclass(frozen=True)
class DbtTest:
    relation: str  # the table it guards (the asset its Dagster check belongs to)
    name: str
    kind: str  # the generic test (not_null, unique_key, expression_is_true, ...), or "singular"
    column: str | None
    unique_id: str
    sql: str
    blocking: bool
    description: str | None  # what it guards, in words: the Dagster check's description

    @property
    def reads(self) -> set[str]:
        return {f"{schema}.{table}" for schema, table in _TABLE.findall(self.sql)} | {self.relation}


def guarded_tests(manifest: dict) -> dict[tuple[str, str], DbtTest]:
    """Every test of a source or a metric by (table, name), with its compiled SQL; a metric's
    unique_key test also as (table, "key_unique")."""
    nodes = {**manifest["nodes"], **manifest["sources"]}
    relation = {
        uid: f"{n['schema']}.{n.get('identifier') or n['name']}"
        for uid, n in nodes.items()
        if n["resource_type"] in ("model", "source")
    }
    by_name = {n["name"]: uid for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    tests = {}
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] != "test":
            continue
        ref = node["config"].get("meta", {}).get("dagster", {}).get("ref", {}).get("name")
        parents = node["depends_on"]["nodes"]
        # As dagster-dbt attaches a test: by its meta's ref, else its attached node, else its one parent.
        single = parents[0] if len(parents) == 1 else None
        attached = by_name.get(ref) or node.get("attached_node") or single
        table = relation.get(attached, "")
        if table.split(".")[0] not in GUARDED_SCHEMAS:
            continue
        metadata = node.get("test_metadata") or {}
        test = DbtTest(
            relation=table,
            name=node["name"],
            kind=metadata.get("name", "singular"),
            column=node.get("column_name") or metadata.get("kwargs", {}).get("column_name"),
            unique_id=uid,
            sql=node["compiled_code"],
            blocking=node["config"]["severity"].lower() == "error",
            description=node["config"].get("meta", {}).get("description"),
        )
        tests[(table, test.name)] = test
        if test.kind == "unique_key" and table.startswith("metrics."):
            tests[(table, "key_unique")] = test
    return tests


@pytest.fixture(scope="session")
def dbt_tests(valid_warehouse, tmp_path_factory) -> dict[tuple[str, str], DbtTest]:
    target = tmp_path_factory.mktemp("dbt_compile")
    dbt.prepare_manifest()
    dbt.run(["compile", "--select", "resource_type:test", "--target-path", str(target)], valid_warehouse)
    return guarded_tests(json.loads((target / "manifest.json").read_text(encoding="utf-8")))


def failing_tests(con, tests) -> set[tuple[str, str]]:
    return {(t.relation, t.name) for t in tests if con.execute(t.sql).fetchall()}


@pytest.fixture(scope="session")
def corruptible(valid_warehouse, tmp_path_factory):
    """A connection to a copy of the valid warehouse (same file name: compiled tests name its
    catalog); every corruption runs in a transaction rolled back after it."""
    path = tmp_path_factory.mktemp("corruptible") / valid_warehouse.name
    shutil.copy(valid_warehouse, path)
    con = duckdb.connect(str(path))
    yield con
    con.close()


# --------------------------------------------------------------------------------------
# Corruption cases.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Corruption:
    table: str
    rule: str  # a test or check name; for a generated case, "<kind>(<column>)"
    statements: tuple[str, ...]
    also_failing: frozenset  # names on the same table, or (table, name) pairs

    @property
    def changes(self) -> set[str]:
        return {m.lower() for s in self.statements for m in _CHANGED.findall(s)}



def _corruptions(table: dict) -> list[Corruption]:
    found = []
    for name, cases in table.items():
        for rule, *statements in cases:
            also = statements.pop() if not isinstance(statements[-1], str) else set()
            found.append(Corruption(name, rule, tuple(statements), frozenset(also)))
    return found


def generated_corruptions() -> list[Corruption]:
    """A NULL (not_null) or an unknown value (accepted_values) in the first row of a metric,
    for each such test of a metric's columns (read from the .yml) without a corruption above."""
    explicit = {(c.table, c.rule) for c in _corruptions(DBT_CORRUPTIONS)}
    found = []
    for yml in sorted((dbt.PROJECT_DIR / "models" / "metrics").glob("*.yml")):
        for model in yaml.safe_load(yml.read_text(encoding="utf-8")).get("models", []):
            table = f"metrics.{model['name']}"
            for column in model.get("columns", []):
                for test in column.get("data_tests") or []:
                    kind = test if isinstance(test, str) else next(iter(test))
                    value = {"not_null": "NULL", "accepted_values": "'unknown'"}.get(kind)
                    name = f"{kind}_{model['name']}_{column['name']}"
                    if value is None or any(rule.startswith(name) for t, rule in explicit if t == table):
                        continue
                    row = GENERATED_ROW.get(table, f"rowid = (SELECT min(rowid) FROM {table})")
                    statement = f"UPDATE {table} SET {column['name']} = {value} WHERE {row}"
                    key = column["name"] if kind == "not_null" else f"{kind}({column['name']})"
                    also = GENERATED_ALSO_FAILING.get((table, key), set())
                    rule = f"{kind}({column['name']})"
                    found.append(Corruption(table, rule, (statement,), frozenset(also)))
    return found


def resolve(tests: dict, corruption: Corruption) -> tuple[str, str]:
    """The (table, test name) a corruption targets: generated cases name the kind and column."""
    if "(" not in corruption.rule:
        known = tests.get((corruption.table, corruption.rule))
        return corruption.table, known.name if known else corruption.rule
    kind, column = corruption.rule.rstrip(")").split("(")
    (match,) = [
        key
        for key, t in tests.items()
        if t.relation == corruption.table and t.kind == kind and t.column == column
    ]
    return match


def expected_failures(tests: dict, corruption: Corruption) -> set[tuple[str, str]]:
    return {resolve(tests, replace(corruption, also_failing=frozenset()))} | {
        a if isinstance(a, tuple) else (corruption.table, a) for a in corruption.also_failing
    }


def _cases(corruptions: list[Corruption]):
    seen: dict[str, int] = {}
    for c in corruptions:
        test_id = f"{c.table}.{c.rule}"
        seen[test_id] = seen.get(test_id, 0) + 1
        yield pytest.param(c, id=test_id + (f"-{seen[test_id]}" if seen[test_id] > 1 else ""))


# Tests besides dates_first_of_month that a mid-month date fails (the calendar's months must
# follow each other month by month).
MID_MONTH_ALSO_FAILING = {
    # Member 3 then joins on 15 January 2021, after the profile took its location.
    "raw.members": {("raw.profile_locations", "set_not_before_joining")},
    "raw.calendar": {"months_contiguous"},
    # The last position (1004) then starts on 15 February 2021, after its wage of 1 February.
    "truth.positions": {("truth.wages", "paid_while_held")},
}


def mid_month_corruptions() -> list[Corruption]:
    """A date moved to the 15th, in the last row holding one, for each source table's
    dates_first_of_month test (derived from the contract's DATE columns, as the test is)."""
    found = []
    for table in [*GENERATED_TABLES, dbt.CALENDAR]:
        if not table.date_columns:
            continue
        name, column = table.qualified_name, table.date_columns[0]  # the test is one per table
        row = f"rowid = (SELECT max(rowid) FROM {name} WHERE {column} IS NOT NULL)"
        statement = f"UPDATE {name} SET {column} = {column} + INTERVAL 14 DAY WHERE {row}"
        also = MID_MONTH_ALSO_FAILING.get(name, set())
        found.append(Corruption(name, "dates_first_of_month", (statement,), frozenset(also)))
    return found


def all_dbt_corruptions() -> list[Corruption]:
    return _corruptions(DBT_CORRUPTIONS) + generated_corruptions() + mid_month_corruptions()


# --------------------------------------------------------------------------------------
# dbt tests.
# --------------------------------------------------------------------------------------


def test_every_dbt_test_has_a_corruption(dbt_tests):
    covered = {resolve(dbt_tests, c) for c in all_dbt_corruptions()}
    declared = {(t.relation, t.name) for t in dbt_tests.values()}
    assert declared - covered == set()
    assert covered - declared == set()


def test_metrics_and_sources_are_tested(dbt_tests):
    tested = {t.relation for t in dbt_tests.values()}
    assert {f"metrics.{m.name}" for m in dbt.metrics()} <= tested
    assert {t.qualified_name for t in GENERATED_TABLES} | {"raw.calendar"} <= tested
    # Every rule says what it guards, in words; only the metrics' not_null and accepted_values
    # tests, which say it by their name, go without.
    undescribed = [
        t.unique_id
        for t in dbt_tests.values()
        if not t.description
        if t.kind not in ("not_null", "accepted_values") or not t.relation.startswith("metrics.")
    ]
    assert undescribed == []


def test_valid_warehouse_passes_every_dbt_test(corruptible, dbt_tests):
    assert failing_tests(corruptible, set(dbt_tests.values())) == set()


@pytest.mark.parametrize("corruption", _cases(all_dbt_corruptions()))
def test_corruption_fails_its_dbt_test(corruptible, dbt_tests, corruption):
    readers = {t for t in dbt_tests.values() if t.reads & corruption.changes}
    assert readers, corruption
    corruptible.execute("BEGIN TRANSACTION")
    try:
        for statement in corruption.statements:
            corruptible.execute(statement)
        failing = failing_tests(corruptible, readers)
    finally:
        corruptible.execute("ROLLBACK")
    assert failing == expected_failures(dbt_tests, corruption)


def test_dbt_reports_exactly_the_planted_failures(valid_warehouse, dbt_tests, tmp_path):
    """One `dbt test` on a warehouse holding independent corruptions at once: those whose
    changed tables no test reads together. dbt fails (or warns on) exactly their tests."""
    planted, reading = [], set()
    for corruption in all_dbt_corruptions():
        readers = {t.unique_id for t in dbt_tests.values() if t.reads & corruption.changes}
        if readers & reading:
            continue
        planted.append(corruption)
        reading |= readers
    assert len(planted) >= 20
    path = tmp_path / "planted.duckdb"
    shutil.copy(valid_warehouse, path)
    with duckdb.connect(str(path)) as con:
        for corruption in planted:
            for statement in corruption.statements:
                con.execute(statement)
    target = tmp_path / "target"
    result = dbt.run(["test", "--select", *SELECTION, "--target-path", str(target)], path, check=False)
    results = [
        r
        for r in json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
        if r["unique_id"].startswith("test.")  # not the on-run-start hook
    ]
    by_id = {t.unique_id: t for t in dbt_tests.values()}
    assert {r["unique_id"] for r in results} == set(by_id), result.stdout[-3000:]
    assert all(r["status"] in ("pass", "fail", "warn") for r in results), result.stdout[-3000:]
    status = {(by_id[r["unique_id"]].relation, by_id[r["unique_id"]].name): r["status"] for r in results}
    failed = {key for key, s in status.items() if s != "pass"}
    assert failed == set().union(*(expected_failures(dbt_tests, c) for c in planted))
    warned = {key for key, s in status.items() if s == "warn"}
    assert warned == {key for key in failed if not dbt_tests[key].blocking}


def test_source_tests_are_checks_of_the_loaded_tables(dbt_tests):
    """dagster-dbt turns the sources' tests into checks of raw/* and truth/* (blocking unless
    severity warn), the metrics' tests into checks of metrics/*."""
    specs = {(".".join(spec.asset_key.path), spec.name): spec for spec in metric_layer.check_specs}
    # Tables no model reads: dagster-dbt leaves their tests out (dbt still runs them).
    unread = {"truth.parameters"}
    expected = {(t.relation, t.name) for t in dbt_tests.values() if t.relation not in unread}
    assert expected <= set(specs)
    for key in expected:
        assert specs[key].blocking == dbt_tests[key].blocking, key
    od = specs[("metrics.talent_flows_od", "movers_match_departures")]
    assert {dep.asset_key for dep in od.additional_deps} == {dg.AssetKey(["metrics", "talent_flows"])}
    positions = specs[("raw.positions", "no_overlapping_positions")]
    assert positions.blocking and positions.description.startswith("A member_id holds one position at a time")


# --------------------------------------------------------------------------------------
# Great Expectations: the column expectations of the contract.
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def valid_outcomes(valid_warehouse):
    with duckdb.connect(str(valid_warehouse), read_only=True) as con:
        return {table: {o.name: o for o in validate_table(con, table)} for table in checked_tables()}


def test_every_gx_check_has_a_corruption():
    covered = {(c.table, c.rule) for c in _corruptions(GX_CORRUPTIONS)}
    declared = {(table, check.name) for table in checked_tables() for check in checks_of(table)}
    assert declared - covered == set()
    assert covered - declared == set()


def test_gx_check_names_are_unique_per_table_and_not_those_of_dbt_tests(dbt_tests):
    for table in checked_tables():
        names = [c.name for c in checks_of(table)]
        assert len(names) == len(set(names)), table
        assert not set(names) & {t.name for t in dbt_tests.values() if t.relation == table}, table


def test_contract_declarations_become_expectations():
    """Each value set, range and ordered pair of the contract is a GX expectation with the
    same arguments; a column's NULLs are GX's unless the key or a reference covers them."""
    for table in GENERATED_TABLES:
        expectations = [e for check in column_checks(table) for e in check.expectations]
        kinds = {
            (type(e).__name__, getattr(e, "column", None) or (e.column_A, e.column_B)) for e in expectations
        }
        for column in table.columns:
            if column.values:
                (in_set,) = [e for e in expectations if getattr(e, "column", None) == column.name and
                             hasattr(e, "value_set")]
                assert list(in_set.value_set) == list(column.values)
            if column.low is not None or column.high is not None:
                assert ("ExpectColumnValuesToBeBetween", column.name) in kinds
            not_null = ("ExpectColumnValuesToNotBeNull", column.name) in kinds
            checked_by_gx = bool(column.values) or column.low is not None or column.high is not None
            dbt_owned = column.name in table.key or bool(column.references and column.required)
            assert not_null == (column.required and (checked_by_gx or not dbt_owned)), column
        for order in table.order:
            assert ("ExpectColumnPairValuesAToBeGreaterThanB", (order.later, order.earlier)) in kinds


@pytest.mark.parametrize("table", checked_tables())
def test_valid_warehouse_passes_every_gx_check(valid_outcomes, table):
    failed = {name: o.metadata for name, o in valid_outcomes[table].items() if not o.passed}
    assert failed == {}
    assert [o.name for o in valid_outcomes[table].values()] == [c.name for c in checks_of(table)]


@pytest.mark.parametrize("corruption", _cases(_corruptions(GX_CORRUPTIONS)))
def test_corruption_fails_its_gx_check(valid_warehouse, valid_outcomes, tmp_path, corruption):
    assert valid_outcomes[corruption.table][corruption.rule].passed
    path = tmp_path / "corrupted.duckdb"
    shutil.copy(valid_warehouse, path)
    with duckdb.connect(str(path)) as con:
        for statement in corruption.statements:
            con.execute(statement)
        outcomes = {o.name: o for o in validate_table(con, corruption.table)}
    target = outcomes[corruption.rule]
    assert not target.passed
    assert target.metadata["unexpected_count"] > 0
    assert target.metadata["unexpected_examples"], target.metadata
    assert "error" not in target.metadata
    failing = {name for name, o in outcomes.items() if not o.passed}
    assert failing == {corruption.rule, *corruption.also_failing}


def test_a_changed_contract_changes_the_expectation(valid_warehouse, monkeypatch):
    """The expectations are derived from the contract, not listed: narrow a column's values
    and its check fails on data that passed."""
    members = TABLES_BY_NAME["raw.members"]
    level = members.column("highest_education_level")
    narrowed = replace(
        members,
        columns=tuple(replace(c, values=("VO", "MBO", "HBO")) if c is level else c for c in members.columns),
    )
    monkeypatch.setitem(TABLES_BY_NAME, "raw.members", narrowed)
    with duckdb.connect(str(valid_warehouse), read_only=True) as con:
        (outcome,) = validate_table(con, "raw.members", checks={"highest_education_level_in_set"})
    assert not outcome.passed
    assert outcome.metadata["unexpected_examples"] == ["WO"]
    assert outcome.description == "highest_education_level is never NULL and is one of VO, MBO, HBO."


def test_outcome_metadata_names_the_violation(valid_warehouse, tmp_path):
    path = tmp_path / "dates.duckdb"
    shutil.copy(valid_warehouse, path)
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE raw.positions SET end_date = start_date WHERE position_id = 12")
        (outcome,) = validate_table(con, "raw.positions", checks={"end_date_after_start_date"})
    assert outcome.blocking
    assert outcome.metadata["unexpected_count"] == 1
    assert outcome.metadata["failed_expectations"] == [
        "expect_column_pair_values_a_to_be_greater_than_b(end_date, start_date)"
    ]


def test_missing_table_or_column_fails_checks_instead_of_raising(valid_warehouse, tmp_path):
    path = tmp_path / "missing.duckdb"
    shutil.copy(valid_warehouse, path)
    with duckdb.connect(str(path)) as con:
        con.execute("ALTER TABLE raw.postings DROP COLUMN seniority")
        outcomes = {o.name: o for o in validate_table(con, "raw.postings")}
        assert not outcomes["seniority_in_set"].passed
        assert "seniority" in outcomes["seniority_in_set"].metadata["error"]
        assert outcomes["closed_on_not_before_opened_on"].passed
        con.execute("DROP TABLE raw.calendar")  # the window's months
        outcomes = {o.name: o for o in validate_table(con, "raw.postings")}
    window = outcomes["opened_on_in_window"]
    assert not window.passed and "calendar" in window.metadata["error"]
    assert outcomes["closed_on_not_before_opened_on"].passed


def test_dagster_checks_mirror_the_contract():
    specs = {
        (".".join(spec.asset_key.path), spec.name): spec
        for definition in build_quality_checks()
        for spec in definition.check_specs
    }
    assert set(specs) == {(table, c.name) for table in checked_tables() for c in checks_of(table)}
    for table in checked_tables():
        for check in checks_of(table):
            spec = specs[(table, check.name)]
            assert spec.blocking == check.blocking and spec.description == check.description
    window = specs[("raw.postings", "opened_on_in_window")]
    assert {dep.asset_key for dep in window.additional_deps} == {dg.AssetKey(["raw", "calendar"])}
    assert specs[("raw.postings", "closed_on_not_before_opened_on")].blocking
    assert not specs[("raw.postings", "seniority_in_set")].blocking


def test_dagster_check_runs_beside_a_writing_connection(valid_warehouse, tmp_path):
    resource = WarehouseResource(path=str(tmp_path / "warehouse.duckdb"))
    path = resource.working_path  # checks read the working database the run builds
    path.parent.mkdir(parents=True)
    shutil.copy(valid_warehouse, path)
    writer = connect(path)  # as a loading step of the same process would hold it
    try:
        writer.execute("UPDATE raw.positions SET end_date = '2018-01-01' WHERE position_id = 10")
        positions_key = dg.AssetKey(["raw", "positions"])
        (positions_checks,) = [
            d for d in build_quality_checks() if {s.asset_key for s in d.check_specs} == {positions_key}
        ]
        # Passed as a plain value: the run lock the resource takes in a real run is not under test.
        context = dg.build_asset_check_context(
            resources={"warehouse": dg.ResourceDefinition.hardcoded_resource(resource)}
        )
        results = {r.check_name: r for r in positions_checks(context)}
    finally:
        writer.close()
    assert set(results) == {c.name for c in checks_of("raw.positions")}
    order = results["end_date_after_start_date"]
    assert not order.passed and order.severity == dg.AssetCheckSeverity.ERROR
    seniority = results["seniority_in_set"]
    assert seniority.passed and seniority.severity == dg.AssetCheckSeverity.WARN
