"""实有人口 / 实有房屋 / 实有单位: persons, houses, residences and venues (next issue)."""
