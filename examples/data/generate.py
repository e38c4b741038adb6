#!/usr/bin/env python3
"""Generate the example data sets used by the specs in examples/.

Deterministic (fixed seeds, one random generator per data set), standard library
only. Run from anywhere:

    python3 examples/data/generate.py

Every file is rewritten. The numbers are invented but shaped so that each example
tells its story when evaluated with `kpic eval`: some KPIs are met, some missed,
some at risk. The subscribers file reproduces the story of docs/LANGUAGE.md
exactly: in 2025-03 Anna brings 6,000 signups, 4,000 of them from Saratov and
2,000 from Moscow, so her Moscow KPI (3,000) is missed.
"""

import calendar
import csv
import datetime as dt
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
TARGETS = os.path.join(HERE, "targets")
MONTHS = [(2025, m) for m in range(1, 7)]  # 2025-01 .. 2025-06
DATETIME = "%Y-%m-%d %H:%M:%S"


def write_csv(name, header, rows):
    path = os.path.join(HERE, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    print(f"{os.path.relpath(path, HERE):32} {len(rows):6} rows")


def money(x):
    return f"{x:.2f}"


def days_in(year, month):
    return calendar.monthrange(year, month)[1]


def random_day(rng, year, month, weekdays_only=False):
    while True:
        d = dt.date(year, month, rng.randint(1, days_in(year, month)))
        if not weekdays_only or d.weekday() < 5:
            return d


def random_time(rng, day, first_hour=9, last_hour=20):
    return dt.datetime(day.year, day.month, day.day, rng.randint(first_hour, last_hour), rng.randint(0, 59), rng.randint(0, 59))


def pick(rng, weights):
    """A key of `weights` ({value: weight}) drawn with its weight."""
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def weekdays(year, month):
    return [dt.date(year, month, d) for d in range(1, days_in(year, month) + 1) if dt.date(year, month, d).weekday() < 5]


def period(year, month):
    return f"{year}-{month:02d}"


# --------------------------------------------------------------------- sales

def sales():
    rng = random.Random(2025_01)
    # Each manager belongs to one department (a cascade needs a tree).
    managers = [
        ("Ivanov", "Retail", 1.08), ("Petrova", "Retail", 0.97), ("Smirnov", "Retail", 1.02),
        ("Kuznetsova", "Retail", 0.88), ("Volkov", "Wholesale", 1.04), ("Sokolova", "Wholesale", 0.93),
        ("Morozov", "Online", 1.10), ("Novikova", "Online", 0.95), ("Fedorov", "Corporate", 1.00),
        ("Lebedeva", "Export", 0.92),
    ]
    # Monthly revenue plan per manager (RUB): the cascade of 2,000,000 RUB.
    plan = {"Ivanov": 200_000, "Petrova": 200_000, "Smirnov": 200_000, "Kuznetsova": 200_000,
            "Volkov": 300_000, "Sokolova": 200_000, "Morozov": 200_000, "Novikova": 200_000,
            "Fedorov": 200_000, "Lebedeva": 100_000}
    dept = {
        "Retail": dict(units={1: 80, 2: 16, 3: 4}, price=(8_500, 11_500), channels={"store": 80, "phone": 20},
                       cities={"Moscow": 45, "Saint Petersburg": 20, "Kazan": 12, "Nizhny Novgorod": 11, "Saratov": 12},
                       pool=2_000, cancel=0.09, refund=0.045),
        "Wholesale": dict(units={1: 45, 2: 35, 3: 20}, price=(8_000, 10_000), channels={"account_manager": 85, "tender": 15},
                          cities={"Moscow": 36, "Saint Petersburg": 24, "Yekaterinburg": 20, "Novosibirsk": 20},
                          pool=30, cancel=0.08, refund=0.03),
        "Online": dict(units={1: 80, 2: 16, 3: 4}, price=(8_000, 12_000), channels={"web": 65, "app": 35},
                       cities={"Moscow": 30, "Saint Petersburg": 20, "Yekaterinburg": 15, "Novosibirsk": 15, "Kazan": 10, "Saratov": 10},
                       pool=5_000, cancel=0.22, refund=0.065),
        "Corporate": dict(units={1: 75, 2: 20, 3: 5}, price=(10_000, 13_000), channels={"account_manager": 60, "tender": 40},
                          cities={"Moscow": 62, "Saint Petersburg": 38}, pool=60, cancel=0.10, refund=0.02),
        "Export": dict(units={1: 80, 2: 20}, price=(9_000, 12_000), channels={"account_manager": 100},
                       cities={"Moscow": 30, "Minsk": 35, "Almaty": 35}, pool=40, cancel=0.10, refund=0.03),
    }
    season = {1: 0.86, 2: 0.93, 3: 1.04, 4: 0.97, 5: 1.05, 6: 1.12}
    rows = []
    for i, (manager, department, perf) in enumerate(managers):
        d = dept[department]
        units_mean = sum(u * w for u, w in d["units"].items()) / sum(d["units"].values())
        per_order = units_mean * sum(d["price"]) / 2
        paid_share = 1 - d["cancel"] - d["refund"]
        for year, month in MONTHS:
            mean = plan[manager] / per_order / paid_share * perf * season[month]
            n = max(1, round(mean * rng.uniform(0.92, 1.08)))
            for _ in range(n):
                created = random_time(rng, random_day(rng, year, month))
                units = pick(rng, d["units"])
                price = rng.uniform(*d["price"])
                r = rng.random()
                status = "cancelled" if r < d["cancel"] else "refunded" if r < d["cancel"] + d["refund"] else "paid"
                customer = 100_000 * (i + 1) + rng.randint(1, d["pool"])
                rows.append([created, manager, department, pick(rng, d["cities"]), pick(rng, d["channels"]),
                             customer, units, money(units * price), status])
    rows.sort(key=lambda r: (r[0], r[1]))
    out = [[100_001 + k, r[0].strftime(DATETIME)] + r[1:] for k, r in enumerate(rows)]
    write_csv("orders.csv", ["order_id", "created_at", "manager", "department", "city", "channel",
                             "customer_id", "units", "amount", "status"], out)
    write_csv("targets/sales_plan.csv", ["manager", "period", "target"],
              [[m, period(y, mo), plan[m]] for m, _, _ in managers for y, mo in MONTHS])


# --------------------------------------------------------------- subscribers

def subscribers():
    rng = random.Random(2025_02)
    cities = {"Moscow": 50, "Saint Petersburg": 15, "Kazan": 8, "Saratov": 10, "Samara": 8, "Tver": 7, None: 2}
    channels = {"search": 35, "referral": 15, "ads": 25, "social": 20, "partner": 5}
    # Signups per employee and month: (rows, share of Moscow among them).
    volume = {
        "Anna": {1: (450, 0.55), 2: (520, 0.52), 4: (610, 0.50)},      # 2025-03 is written below
        "Boris": {1: (340, 0.60), 2: (360, 0.58), 3: (390, 0.62), 4: (410, 0.60)},
        "Vera": {1: (300, 0.65), 2: (320, 0.66), 3: (350, 0.70)},     # 2025-04 is written below
        "Grigory": {1: (420, 0.45), 2: (380, 0.47), 3: (440, 0.44), 4: (460, 0.48)},
        "Daria": {1: (250, 0.70), 2: (270, 0.72), 3: (240, 0.68), 4: (280, 0.75)},
    }
    rows = []

    def add(employee, year, month, city):
        t = random_time(rng, random_day(rng, year, month), 0, 23)
        rows.append([t, city, pick(rng, channels), employee])

    for employee, months in volume.items():
        for month, (n, moscow) in months.items():
            for _ in range(n):
                if rng.random() < moscow:
                    city = "Moscow"
                else:
                    city = pick(rng, {c: w for c, w in cities.items() if c != "Moscow"})
                add(employee, 2025, month, city)
    # The story: in March Anna brings 6,000 signups, 4,000 from Saratov, 2,000 from Moscow.
    for _ in range(4_000):
        add("Anna", 2025, 3, "Saratov")
    for _ in range(2_000):
        add("Anna", 2025, 3, "Moscow")
    # Vera's April metro campaign: 3,150 Moscow signups, the target met.
    for _ in range(3_150):
        add("Vera", 2025, 4, "Moscow")
    for _ in range(400):
        add("Vera", 2025, 4, pick(rng, {c: w for c, w in cities.items() if c != "Moscow"}))
    rows.sort(key=lambda r: (r[0], r[3]))
    ids = rng.sample(range(1_000_000, 9_999_999), len(rows))
    out = [[r[0].strftime(DATETIME), ids[k], r[1] or "", r[2], r[3]] for k, r in enumerate(rows)]
    write_csv("signups.csv", ["joined_at", "user_id", "city", "channel", "employee"], out)


# ------------------------------------------------------------------------ hr

def hr():
    rng = random.Random(2025_03)
    recruiters = {
        # name: (department, offer time range in days, fill time range in days, agency share, acceptance)
        "Orlova": ("IT", (8, 19), (35, 70), 0.45, 0.74),
        "Zaitsev": ("Sales", (3, 11), (18, 40), 0.10, 0.80),
        "Pavlova": ("Production", (2, 9), (10, 30), 0.05, 0.86),
        "Belov": ("Finance", (9, 22), (30, 55), 0.30, 0.72),
    }
    positions = {
        "IT": ["Backend developer", "QA engineer", "DevOps engineer", "Data analyst"],
        "Sales": ["Sales manager", "Key account manager", "Sales assistant"],
        "Production": ["Machine operator", "Assembler", "Quality inspector", "Forklift driver"],
        "Finance": ["Accountant", "Financial analyst", "Treasury specialist"],
    }
    # Positions to fill per month (the hiring plan from the planning spreadsheet).
    plan = {
        "Orlova": [5, 5, 6, 6, 6, 7],
        "Zaitsev": [7, 8, 8, 8, 9, 9],
        "Pavlova": [10, 10, 12, 12, 14, 14],
        "Belov": [3, 3, 4, 4, 3, 3],
    }
    # How each recruiter does against the plan, month by month.
    delivery = {
        "Orlova": [1.0, 0.8, 1.17, 0.83, 1.0, 0.86],
        "Zaitsev": [1.14, 1.0, 0.88, 1.0, 1.11, 0.89],
        "Pavlova": [1.0, 0.9, 1.0, 1.08, 0.86, 1.0],
        "Belov": [1.0, 1.33, 0.75, 1.0, 1.0, 0.67],
    }
    vacancies, offers = [], []
    for name, (department, offer_days, fill_days, agency, acceptance) in recruiters.items():
        for k, (year, month) in enumerate(MONTHS):
            filled = round(plan[name][k] * delivery[name][k])
            cancelled = rng.choice([0, 0, 1, 1, 2])
            for outcome in ["filled"] * filled + ["cancelled"] * cancelled:
                closed = random_day(rng, year, month, weekdays_only=True)
                fee = rng.uniform(60_000, 160_000) if rng.random() < agency else rng.uniform(4_000, 15_000)
                days = rng.randint(*fill_days) if outcome == "filled" else ""
                vacancies.append([closed, name, department, rng.choice(positions[department]), outcome, days, money(fee)])
            # Offers: most are accepted; a few are still pending at the end of June.
            n_offers = max(1, round(filled / 0.8 + rng.uniform(-1, 1)))
            for _ in range(n_offers):
                day = random_day(rng, year, month, weekdays_only=True)
                r = rng.random()
                status = "pending" if month == 6 and day.day > 25 else "accepted" if r < acceptance else "declined"
                offers.append([day, name, department, rng.randint(*offer_days), status])
    vacancies.sort(key=lambda r: (r[0], r[1]))
    offers.sort(key=lambda r: (r[0], r[1]))
    write_csv("vacancies.csv", ["vacancy_id", "closed_on", "recruiter", "department", "position", "outcome",
                                "days_to_fill", "hiring_cost"],
              [[5001 + k, r[0].isoformat()] + r[1:] for k, r in enumerate(vacancies)])
    write_csv("offers.csv", ["offer_id", "offered_on", "recruiter", "department", "interview_to_offer", "status"],
              [[9001 + k, r[0].isoformat()] + r[1:] for k, r in enumerate(offers)])
    write_csv("targets/hr_plan.csv", ["recruiter", "period", "target"],
              [[name, period(y, m), plan[name][k]] for name in recruiters for k, (y, m) in enumerate(MONTHS)])
    write_csv("targets/recruiter_bonus.csv", ["recruiter", "base"],
              [["Orlova", 45_000], ["Zaitsev", 35_000], ["Pavlova", 35_000], ["Belov", 40_000]])


# --------------------------------------------------------------- advertising

def advertising():
    rng = random.Random(2025_04)
    # campaign: (platform, spend per day RUB, cost per click RUB, click-through rate, share of leads)
    campaigns = {
        "brand_search": ("yandex_direct", 4_000, 14, 0.085, 0.22),
        "generic_search": ("yandex_direct", 11_000, 46, 0.031, 0.36),
        "retargeting": ("yandex_direct", 5_000, 24, 0.012, 0.17),
        "rsya_display": ("yandex_direct", 6_500, 19, 0.006, 0.12),
        "vk_lookalike": ("vk_ads", 3_500, 31, 0.009, 0.08),
        "vk_promo": ("vk_ads", 2_500, 27, 0.007, 0.05),
    }
    # Cost per lead the team reaches each month (RUB): the trend the KPI follows.
    cpl = {1: 1_460, 2: 1_420, 3: 1_385, 4: 1_400, 5: 1_350, 6: 1_338}
    # Ad texts are reworked in March and May: click-through rates move month by month.
    ctr_month = {1: 1.0, 2: 0.96, 3: 1.04, 4: 0.97, 5: 1.06, 6: 1.03}
    ads, leads = [], []
    for year, month in MONTHS:
        spend_month = 0.0
        for day in range(1, days_in(year, month) + 1):
            date = dt.date(year, month, day)
            weekend = 0.8 if date.weekday() >= 5 else 1.0
            for name, (platform, spend, cpc, ctr, _) in campaigns.items():
                s = round(spend * weekend * rng.uniform(0.85, 1.15), 2)
                clicks = max(1, round(s / (cpc * rng.uniform(0.9, 1.1))))
                impressions = round(clicks / (ctr * ctr_month[month] * rng.uniform(0.9, 1.1)))
                ads.append([date.isoformat(), name, platform, impressions, clicks, money(s)])
                spend_month += s
        n = round(spend_month / cpl[month])
        for _ in range(n):
            name = pick(rng, {c: v[4] for c, v in campaigns.items()})
            t = random_time(rng, random_day(rng, year, month), 0, 23)
            r = rng.random()
            if r < 0.05:
                status = "spam"
            elif r < 0.145:
                status = "won"
            elif r < 0.52:
                status = "qualified"
            else:
                status = "lost"
            if status == "qualified" and month == 6 and t.day > 15:
                status = "new"
            amount = money(rng.uniform(25_000, 150_000)) if status == "won" else ""
            leads.append([t, name, campaigns[name][0], status, amount])
    leads.sort(key=lambda r: (r[0], r[1]))
    write_csv("ads.csv", ["day", "campaign", "platform", "impressions", "clicks", "spend"], ads)
    write_csv("leads.csv", ["lead_id", "created_at", "campaign", "platform", "status", "deal_amount"],
              [[700_001 + k, r[0].strftime(DATETIME)] + r[1:] for k, r in enumerate(leads)])


# ---------------------------------------------------------------- production

def production():
    rng = random.Random(2025_05)
    # line: units per shift at full speed
    lines = {"L1": 300, "L2": 265, "L3": 235, "L4": 200}
    products = {"L1": ["pump_A", "pump_B"], "L2": ["pump_B", "valve_C"], "L3": ["valve_C", "valve_D"], "L4": ["pump_A", "valve_D"]}
    # Share of defective units per line (L4 is new and still settling in).
    defects = {"L1": 0.012, "L2": 0.018, "L3": 0.022, "L4": 0.030}
    batches, downtime, shipments = [], [], []
    for year, month in MONTHS:
        for day in weekdays(year, month):
            for line, speed in lines.items():
                for shift in ["day", "night"]:
                    # L4 runs trial batches at half speed while it is commissioned in January.
                    factor = 0.5 if line == "L4" and month == 1 else rng.uniform(0.88, 1.0)
                    produced = round(speed * factor)
                    rate = defects[line] * (1.6 if line == "L4" and month <= 2 else 1.0) * rng.uniform(0.6, 1.4)
                    batches.append([day, line, shift, rng.choice(products[line]), produced, round(produced * rate)])
        for line in lines:
            # Unplanned stops: breakdowns and missing material; planned: changeovers and maintenance.
            for _ in range(rng.randint(3, 7)):
                reason = pick(rng, {"breakdown": 70, "no_material": 30})
                hours = round(rng.uniform(0.5, 5.5) * 4) / 4
                downtime.append([random_time(rng, random_day(rng, year, month, True), 0, 23), line, reason, "false", hours])
            for _ in range(rng.randint(4, 8)):
                reason = pick(rng, {"changeover": 75, "maintenance": 25})
                hours = round(rng.uniform(0.5, 4.0) * 4) / 4
                downtime.append([random_time(rng, random_day(rng, year, month, True), 0, 23), line, reason, "true", hours])
        for _ in range(rng.randint(95, 115)):
            promised = random_day(rng, year, month, True)
            r = rng.random()
            late = 0 if r < 0.94 else rng.randint(1, 9)
            shipped = promised - dt.timedelta(days=rng.randint(0, 3)) if late == 0 else promised + dt.timedelta(days=late)
            shipped_text = "" if shipped > dt.date(2025, 6, 30) else shipped.isoformat()  # not shipped yet
            customer = rng.choice(["Gazprom Neft", "Rosatom", "Vodokanal SPb", "Mosvodokanal", "TGK-1", "Metallinvest", "Sibur"])
            shipments.append([promised, shipped_text, customer, rng.randint(20, 400)])
    batches.sort(key=lambda r: (r[0], r[2], r[1]))
    downtime.sort(key=lambda r: r[0])
    shipments.sort(key=lambda r: r[0])
    write_csv("batches.csv", ["batch_id", "shift_date", "line", "shift", "product", "units_produced", "units_defective"],
              [[40_001 + k, r[0].isoformat()] + r[1:] for k, r in enumerate(batches)])
    write_csv("downtime.csv", ["started_at", "line", "reason", "planned", "hours"],
              [[r[0].strftime(DATETIME)] + r[1:] for r in downtime])
    write_csv("shipments.csv", ["shipment_id", "promised_on", "shipped_on", "customer", "units"],
              [[80_001 + k, r[0].isoformat()] + r[1:] for k, r in enumerate(shipments)])
    write_csv("targets/line_plan.csv", ["line", "target"],
              [["L1", 12_000], ["L2", 10_500], ["L3", 9_500], ["L4", 8_000]])


# ------------------------------------------------------------------- finance

def finance():
    rng = random.Random(2025_06)
    extracted = dt.date(2025, 8, 15)  # the day the ledger was exported
    customers = {
        "Lenta": "retail_chain", "Magnit": "retail_chain", "X5 Group": "retail_chain", "Auchan": "retail_chain",
        "Svyaznoy": "retail_chain", "Techno Trade": "distributor", "Volga Supply": "distributor",
        "Ural Distribution": "distributor", "Siberia Logistic": "distributor", "Baltic Partners": "distributor",
        "Moscow City Hospital 12": "government", "Kazan Metro": "government", "Region 64 Schools": "government",
    }
    terms = {"retail_chain": 30, "distributor": 21, "government": 45}
    # Share of invoices paid late, by segment and month (collections slip in spring).
    late = {"retail_chain": [0.12, 0.15, 0.22, 0.30, 0.18, 0.14], "distributor": [0.08, 0.08, 0.12, 0.18, 0.10, 0.08],
            "government": [0.25, 0.30, 0.40, 0.45, 0.35, 0.30]}
    invoices = []
    for k, (year, month) in enumerate(MONTHS):
        for _ in range(rng.randint(60, 75)):
            customer = rng.choice(list(customers))
            segment = customers[customer]
            issued = random_day(rng, year, month, True)
            due = issued + dt.timedelta(days=terms[segment])
            if rng.random() < late[segment][k]:
                days = terms[segment] + rng.randint(1, 35)
            else:
                days = max(2, terms[segment] - rng.randint(0, 12))
            paid = issued + dt.timedelta(days=days)
            amount = money(rng.uniform(40_000, 900_000) if segment != "government" else rng.uniform(200_000, 2_500_000))
            if paid > extracted or rng.random() < 0.015:  # not paid yet, or a disputed invoice
                invoices.append([issued, customer, segment, amount, due.isoformat(), "", ""])
            else:
                invoices.append([issued, customer, segment, amount, due.isoformat(), paid.isoformat(), days])
    invoices.sort(key=lambda r: (r[0], r[1]))
    write_csv("invoices.csv", ["invoice_id", "issued_on", "customer", "segment", "amount", "due_on", "paid_on",
                               "days_to_pay"],
              [[f"INV-2025-{k + 1:05d}", r[0].isoformat()] + r[1:] for k, r in enumerate(invoices)])

    # Monthly budget and actual costs per cost centre and category.
    budgets = {
        "Sales": {"payroll": 4_200_000, "rent": 600_000, "marketing": 1_800_000},
        "Production": {"payroll": 7_800_000, "materials": 9_500_000, "maintenance": 900_000, "capex": 2_000_000},
        "IT": {"payroll": 3_100_000, "it_services": 1_200_000, "capex": 800_000},
        "HR": {"payroll": 900_000, "recruiting": 450_000},
        "Finance": {"payroll": 1_300_000, "audit": 250_000},
        "Logistics": {"payroll": 1_600_000, "transport": 2_300_000, "rent": 700_000},
    }
    # How far each cost centre runs over (+) or under (-) its budget on average.
    drift = {"Sales": 0.03, "Production": 0.01, "IT": 0.07, "HR": -0.04, "Finance": -0.01, "Logistics": 0.05}
    costs = []
    for year, month in MONTHS:
        for cc, lines in budgets.items():
            for category, budget in lines.items():
                noise = rng.gauss(drift[cc], 0.04)
                if category == "materials" and month == 5:
                    noise += 0.18  # the steel price rise of May
                if category == "capex":
                    noise = rng.choice([-0.6, -0.2, 0.0, 0.3])  # projects slip between months
                costs.append([dt.date(year, month, 1).isoformat(), cc, category, money(budget),
                              money(budget * (1 + noise))])
    write_csv("costs.csv", ["month", "cost_center", "category", "budget", "actual"], costs)
    write_csv("targets/opex_plan.csv", ["cost_center", "limit"],
              [["Sales", 6_800_000], ["Production", 18_400_000], ["IT", 4_400_000], ["HR", 1_400_000],
               ["Finance", 1_600_000], ["Logistics", 4_750_000]])


# ------------------------------------------------------------------ projects

def projects():
    rng = random.Random(2025_07)
    portfolio = {
        # project: (manager, planned spend per month RUB, overrun tendency, on-time probability, critical bugs per month)
        "CRM migration": ("Sergeev", 2_000_000, 0.03, 0.82, 3),
        "Warehouse automation": ("Sergeev", 2_500_000, 0.09, 0.70, 2),
        "Mobile app 2.0": ("Karpova", 1_500_000, -0.04, 0.92, 4),
        "Data platform": ("Karpova", 1_800_000, -0.01, 0.88, 1),
        "ERP upgrade": ("Tikhonov", 1_200_000, 0.02, 0.78, 2),
    }
    split = {"labour": 0.65, "contractors": 0.25, "licences": 0.10}
    milestones, costs, issues, snapshots = [], [], [], []
    for year, month in MONTHS:
        for project, (manager, planned, overrun, on_time, critical) in portfolio.items():
            for _ in range(rng.randint(2, 4)):
                due = random_day(rng, year, month, True)
                if rng.random() < on_time:
                    delivered = due - dt.timedelta(days=rng.randint(0, 4))
                else:
                    delivered = due + dt.timedelta(days=rng.randint(2, 25))
                delivered_text = "" if delivered > dt.date(2025, 6, 30) else delivered.isoformat()
                milestones.append([due, project, manager, delivered_text])
            for category, share in split.items():
                actual = planned * share * (1 + rng.gauss(overrun, 0.05))
                costs.append([dt.date(year, month, 1).isoformat(), project, manager, category,
                              money(planned * share), money(actual)])
            for severity, count, hours in [("critical", critical, (2, 40)), ("major", 8, (8, 120)), ("minor", 12, (4, 300))]:
                for _ in range(max(0, count + rng.randint(-1, 2))):
                    created = random_time(rng, random_day(rng, year, month), 0, 23)
                    h = round(rng.uniform(*hours), 1)
                    resolved = created + dt.timedelta(hours=h)
                    issues.append([created, project, manager, severity, "" if resolved > dt.datetime(2025, 6, 30, 23, 59) else h])
    # Friday snapshots of the issue tracker.
    day = dt.date(2025, 1, 3)
    backlog = {p: rng.randint(0, 3) for p in portfolio}
    while day <= dt.date(2025, 6, 27):
        for project, (manager, *_rest) in portfolio.items():
            backlog[project] = max(0, backlog[project] + rng.choice([-1, -1, 0, 0, 1, 1, 2 if project == "Warehouse automation" else 0]))
            snapshots.append([day.isoformat(), project, manager, backlog[project], backlog[project] + rng.randint(8, 30)])
        day += dt.timedelta(days=7)
    milestones.sort(key=lambda r: (r[0], r[1]))
    issues.sort(key=lambda r: (r[0], r[1]))
    write_csv("milestones.csv", ["milestone_id", "due_on", "project", "manager", "delivered_on"],
              [[f"MS-{k + 1:03d}", r[0].isoformat()] + r[1:] for k, r in enumerate(milestones)])
    write_csv("project_costs.csv", ["month", "project", "manager", "category", "planned", "actual"], costs)
    write_csv("issues.csv", ["issue_id", "created_at", "project", "manager", "severity", "resolution_hours"],
              [[30_001 + k, r[0].strftime(DATETIME)] + r[1:] for k, r in enumerate(issues)])
    write_csv("issue_snapshots.csv", ["snapshot_on", "project", "manager", "open_critical", "open_total"], snapshots)


if __name__ == "__main__":
    sales()
    subscribers()
    hr()
    advertising()
    production()
    finance()
    projects()
