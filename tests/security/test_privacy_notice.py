"""Every public form that asks for identity numbers or phones says, where it asks, why and how they
are handled (PIPL art. 17): purpose, encryption and masking, who may see them in full."""

import pytest
from django.test import Client
from django.urls import reverse

NOTICE = "个人信息处理说明"


@pytest.mark.parametrize("name", ["rentals:register", "permits:apply", "members:apply"])
def test_the_public_forms_carry_the_notice(db, name):
    body = Client().get(reverse(name)).content.decode()
    assert NOTICE in body and "加密存储" in body


def test_the_landlords_declaration_tells_them_to_inform_their_tenants(world, as_user):
    house = world.house("甲一网格")
    body = as_user("landlord").get(reverse("rentals:declare"), {"house": house.qr_token}).content.decode()
    assert NOTICE in body and "请告知您的租客" in body
